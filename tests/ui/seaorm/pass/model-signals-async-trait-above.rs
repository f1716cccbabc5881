// Hand-written hooks compile whether the user's `#[async_trait]` comes
// below `#[model_signals]` (still unexpanded) or above it (already
// expanded when ours runs).

mod below {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "below")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    #[signals::model_signals]
    #[async_trait::async_trait]
    impl ActiveModelBehavior for ActiveModel {
        fn new() -> Self {
            <Self as ActiveModelTrait>::default()
        }

        async fn before_delete<C>(self, _db: &C) -> Result<Self, DbErr>
        where
            C: ConnectionTrait,
        {
            Ok(self)
        }
    }
}

mod above {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "above")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    #[async_trait::async_trait]
    #[signals::model_signals]
    impl ActiveModelBehavior for ActiveModel {
        async fn after_save<C>(model: Model, _db: &C, _insert: bool) -> Result<Model, DbErr>
        where
            C: ConnectionTrait,
        {
            Ok(model)
        }
    }
}

use signals::builtin::{PostSave, PreDelete, post_save, pre_delete};
use signals::receiver;

#[receiver(pre_delete, sender = below::Entity)]
fn deleting(args: &PreDelete<below::ActiveModel>) {
    let _ = args;
}

#[receiver(post_save, sender = above::Entity)]
fn saved(args: &PostSave<above::Model>) {
    let _ = args;
}

fn main() {}
