//! `db()` on the model signals' arguments: the connection in hand.

use sea_orm::DbErr;

use crate::builtin::{PostDelete, PostSave, PreDelete, PreSave};
use crate::in_hand::InHand;

/// Why `db()` has nothing to give.
fn not_in_hand(signal: &str) -> DbErr {
    DbErr::Custom(format!(
        "this `{signal}` carries no connection: it was sent by a `signals::models` helper, which runs your own persistence code; only a `#[model_signals]` SeaORM entity hands its connection to receivers"
    ))
}

macro_rules! db_accessor {
    ($($args:ident => $signal:literal),* $(,)?) => {$(
        impl<'a, M: ?Sized> $args<'a, M> {
            /// The SeaORM connection or transaction the save or delete runs
            /// in (feature `sea-orm`): queries on it see the row as the
            /// save left it so far, and writes on it commit or roll back
            /// with the save.
            ///
            /// # Errors
            ///
            /// `DbErr::Custom` when the signal was sent by a
            /// [`models`](crate::models) helper, which has no connection to
            /// hand over.
            pub fn db(&self) -> Result<&'a InHand<'a>, DbErr> {
                self.db.seaorm.ok_or_else(|| not_in_hand($signal))
            }
        }
    )*};
}

db_accessor! {
    PreSave => "pre_save",
    PostSave => "post_save",
    PreDelete => "pre_delete",
    PostDelete => "post_delete",
}
