use signals::builtin::post_save;
use signals::receiver;

#[receiver(post_save)]
fn on_save(_args: &u32) {}

fn main() {}
