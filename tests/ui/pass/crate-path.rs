//! `crate = path` and `#![crate = path]` reach `signals` under another path,
//! as a crate that re-exports it would.

mod reexport {
    pub use ::signals as dispatch;
}

use reexport::dispatch::{Sender, receiver, signal};

pub struct Ping;

signal! {
    #![crate = crate::reexport::dispatch]

    pub static PING: Ping => u8;
}

#[receiver(PING, crate = crate::reexport::dispatch)]
fn pong(_: &Ping) -> u8 {
    1
}

#[receiver(PING, crate = ::signals, sender = Ping)]
async fn async_pong(_: &Ping) -> u8 {
    2
}

fn main() {
    assert_eq!(PING.send(Sender::of::<Ping>(), &Ping), [1, 2]);
}
