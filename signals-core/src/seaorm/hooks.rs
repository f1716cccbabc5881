//! The model signals sent from an entity's `ActiveModelBehavior` hooks.
//! `#[model_signals]` generates hooks that call these, after the user's
//! own `before_*` body and before the user's own `after_*` body (Django's
//! order: an overridden `save()` runs its code, then `super().save()`
//! sends `pre_save`).
//!
//! The sender is always the entity type, so one `sender = user::Entity`
//! filter covers all four signals; the instance is what SeaORM hands the
//! hook (see the type table in the module docs). Nothing is built when
//! nobody listens.

use std::any::Any;

use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait};

use crate::builtin::{AnyInstance, PostDelete, PostSave, PreDelete, PreSave};
use crate::builtin::{post_delete, post_save, pre_delete, pre_save};
use crate::in_hand::InHand;
use crate::sender::Sender;

use super::context::Place;
use super::update_fields::{self, Columns};

/// The `Model` SeaORM reads back after saving an `A`.
type ModelOf<A> = <<A as ActiveModelTrait>::Entity as EntityTrait>::Model;

fn sender<A: ActiveModelTrait>() -> Sender
where
    A::Entity: 'static,
{
    Sender::of::<A::Entity>()
}

/// `before_save`: `pre_save` with the `ActiveModel` about to be written.
/// On an update, `update_fields` lists the columns it sets, kept for
/// `post_save`.
///
/// # Errors
///
/// None of its own; the `Result` is the hook's.
pub async fn before_save<A, C>(am: A, db: &C, insert: bool) -> Result<A, DbErr>
where
    A: ActiveModelTrait + Any + Send + Sync,
    C: ConnectionTrait,
{
    let sender = sender::<A>();
    let columns: Option<Columns> = (!insert).then(|| update_fields::written(&am));
    if let Some(columns) = &columns
        && post_save.has_listeners(sender)
    {
        update_fields::keep(&am, db, columns);
    }
    if pre_save.has_listeners(sender) {
        let place = Place::of(db);
        let in_hand = InHand::new(db);
        let instance: &AnyInstance = &am;
        let args = PreSave {
            instance,
            raw: false,
            using: place.using(),
            update_fields: columns.as_deref(),
            db: in_hand.carried(),
        };
        place.deliver(pre_save.asend(sender, &args)).await;
    }
    Ok(am)
}

/// `after_save`: `post_save` with the `Model` as written, `created` from
/// SeaORM's `insert` flag, and on an update the columns `before_save` kept.
///
/// # Errors
///
/// None of its own; the `Result` is the hook's.
pub async fn after_save<A, C>(model: ModelOf<A>, db: &C, insert: bool) -> Result<ModelOf<A>, DbErr>
where
    A: ActiveModelTrait,
    ModelOf<A>: Any + Send + Sync,
    C: ConnectionTrait,
{
    let sender = sender::<A>();
    // Taken whether or not anyone still listens, so nothing stays behind.
    let columns = if insert {
        None
    } else {
        update_fields::take::<A::Entity, C>(&model, db)
    };
    if post_save.has_listeners(sender) {
        let place = Place::of(db);
        let in_hand = InHand::new(db);
        let instance: &AnyInstance = &model;
        let args = PostSave {
            instance,
            created: insert,
            raw: false,
            using: place.using(),
            update_fields: columns.as_deref(),
            db: in_hand.carried(),
        };
        place.deliver(post_save.asend(sender, &args)).await;
    }
    Ok(model)
}

/// `before_delete`: `pre_delete` with the `ActiveModel` about to be
/// deleted (the row is still there).
///
/// # Errors
///
/// None of its own; the `Result` is the hook's.
pub async fn before_delete<A, C>(am: A, db: &C) -> Result<A, DbErr>
where
    A: ActiveModelTrait + Any + Send + Sync,
    C: ConnectionTrait,
{
    let sender = sender::<A>();
    if pre_delete.has_listeners(sender) {
        let place = Place::of(db);
        let in_hand = InHand::new(db);
        let instance: &AnyInstance = &am;
        let args = PreDelete {
            instance,
            using: place.using(),
            origin: instance,
            db: in_hand.carried(),
        };
        place.deliver(pre_delete.asend(sender, &args)).await;
    }
    Ok(am)
}

/// `after_delete`: `post_delete` with the deleted `ActiveModel`.
///
/// # Errors
///
/// None of its own; the `Result` is the hook's.
pub async fn after_delete<A, C>(am: A, db: &C) -> Result<A, DbErr>
where
    A: ActiveModelTrait + Any + Send + Sync,
    C: ConnectionTrait,
{
    let sender = sender::<A>();
    if post_delete.has_listeners(sender) {
        let place = Place::of(db);
        let in_hand = InHand::new(db);
        let instance: &AnyInstance = &am;
        let args = PostDelete {
            instance,
            using: place.using(),
            origin: instance,
            db: in_hand.carried(),
        };
        place.deliver(post_delete.asend(sender, &args)).await;
    }
    Ok(am)
}
