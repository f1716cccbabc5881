use signals::builtin::{PostSave, post_save};
use signals::models::Model;
use signals::receiver;

pub struct User;

impl Model for User {
    type Pk = i64;
}

#[receiver(post_save)]
fn welcome(args: &PostSave<User>) {
    let _ = args.created;
}

#[receiver(post_save)]
async fn welcome_later(_args: &PostSave<'_, User>) {}

fn main() {}
