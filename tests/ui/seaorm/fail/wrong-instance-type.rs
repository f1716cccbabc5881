// `post_save` hands a SeaORM entity's receivers the saved `Model`, not the
// `ActiveModel`: the error says which type the signal hands.

mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "user")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    #[signals::model_signals]
    impl ActiveModelBehavior for ActiveModel {}
}

use signals::builtin::{PostSave, post_save};
use signals::receiver;

#[receiver(post_save, sender = user::Entity)]
async fn welcome(args: &PostSave<'_, user::ActiveModel>) {
    let _ = args;
}

fn main() {}
