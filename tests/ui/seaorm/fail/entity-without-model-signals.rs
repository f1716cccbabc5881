// An entity whose `ActiveModelBehavior` impl lacks `#[model_signals]`
// sends no model signals, so it cannot be a receiver's sender.

mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use signals::builtin::{PostSave, post_save};
use signals::receiver;

#[receiver(post_save, sender = user::Entity)]
fn welcome(args: &PostSave<user::Model>) {
    let _ = args;
}

fn main() {}
