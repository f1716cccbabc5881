//! The connection a save or delete runs on, as the model signals carry it
//! to their receivers: "the transaction in hand".
//!
//! The model-signal arguments (`builtin::PreSave`, …) hold a [`DbInHand`]
//! whatever the features, so the plain `models` helpers build them the same
//! way with or without an ORM: they hand over nothing. With the `sea-orm`
//! feature the entity hooks hand over the SeaORM connection or transaction
//! the save runs in, as an [`InHand`] (`seaorm::InHand`), which receivers
//! reach through the arguments' `db()` method.
//!
//! SeaORM's `ConnectionTrait` cannot be a trait object (it has generic
//! provided methods), and the hooks' connection type has no `'static`
//! bound, so it cannot go through `Any` either. Its *required* methods are
//! not generic: [`ErasedConnection`] is an object-safe trait over them,
//! implemented for every `ConnectionTrait` type, and [`InHand`] implements
//! `ConnectionTrait` again on top of it by forwarding, so every SeaORM API
//! (`find`, `insert`, `exec`, …) works on it, generic methods included.

use std::marker::PhantomData;

/// The connection the model signals' arguments carry: nothing for the
/// `models` helpers, the SeaORM connection in hand for entity hooks.
#[derive(Clone, Copy, Default)]
pub(crate) struct DbInHand<'a> {
    #[cfg(feature = "sea-orm")]
    pub(crate) seaorm: Option<&'a InHand<'a>>,
    _borrow: PhantomData<&'a ()>,
}

#[cfg(feature = "sea-orm")]
pub use self::seaorm::{ErasedConnection, InHand};

#[cfg(feature = "sea-orm")]
mod seaorm {
    use std::fmt;
    use std::future::Future;
    use std::marker::PhantomData;
    use std::pin::Pin;

    use sea_orm::{ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement};

    use super::DbInHand;

    type Boxed<'a, T> = Pin<Box<dyn Future<Output = Result<T, DbErr>> + Send + 'a>>;

    /// The object-safe part of SeaORM's `ConnectionTrait`: its required
    /// methods, implemented for every connection type. Not called directly:
    /// [`InHand`] turns it back into a `ConnectionTrait`.
    pub trait ErasedConnection: Sync {
        /// `ConnectionTrait::get_database_backend`.
        fn backend(&self) -> DbBackend;
        /// `ConnectionTrait::execute_raw`.
        fn execute_raw(&self, stmt: Statement) -> Boxed<'_, ExecResult>;
        /// `ConnectionTrait::execute_unprepared`.
        fn execute_unprepared<'a>(&'a self, sql: &'a str) -> Boxed<'a, ExecResult>;
        /// `ConnectionTrait::query_one_raw`.
        fn query_one_raw(&self, stmt: Statement) -> Boxed<'_, Option<QueryResult>>;
        /// `ConnectionTrait::query_all_raw`.
        fn query_all_raw(&self, stmt: Statement) -> Boxed<'_, Vec<QueryResult>>;
        /// `ConnectionTrait::support_returning`.
        fn support_returning(&self) -> bool;
        /// `ConnectionTrait::is_mock_connection`.
        fn is_mock_connection(&self) -> bool;
    }

    impl<C: ConnectionTrait> ErasedConnection for C {
        fn backend(&self) -> DbBackend {
            self.get_database_backend()
        }
        fn execute_raw(&self, stmt: Statement) -> Boxed<'_, ExecResult> {
            ConnectionTrait::execute_raw(self, stmt)
        }
        fn execute_unprepared<'a>(&'a self, sql: &'a str) -> Boxed<'a, ExecResult> {
            ConnectionTrait::execute_unprepared(self, sql)
        }
        fn query_one_raw(&self, stmt: Statement) -> Boxed<'_, Option<QueryResult>> {
            ConnectionTrait::query_one_raw(self, stmt)
        }
        fn query_all_raw(&self, stmt: Statement) -> Boxed<'_, Vec<QueryResult>> {
            ConnectionTrait::query_all_raw(self, stmt)
        }
        fn support_returning(&self) -> bool {
            ConnectionTrait::support_returning(self)
        }
        fn is_mock_connection(&self) -> bool {
            ConnectionTrait::is_mock_connection(self)
        }
    }

    /// The SeaORM connection or transaction a save or delete runs in, as a
    /// receiver of its model signals gets it (`args.db()?`). It implements
    /// `sea_orm::ConnectionTrait`, so any SeaORM query runs on it, inside
    /// the same transaction as the save: a `post_save` receiver sees the new
    /// row, a `pre_delete` receiver still sees the row, and what a receiver
    /// writes is committed or rolled back with the save.
    ///
    /// It borrows the connection for the duration of the send only.
    #[derive(Clone, Copy)]
    pub struct InHand<'a> {
        conn: &'a dyn ErasedConnection,
    }

    impl<'a> InHand<'a> {
        /// Wraps the connection `conn`.
        #[must_use]
        pub fn new(conn: &'a dyn ErasedConnection) -> Self {
            InHand { conn }
        }

        /// The arguments' field that carries this connection.
        pub(crate) fn carried(&'a self) -> DbInHand<'a> {
            DbInHand {
                seaorm: Some(self),
                _borrow: PhantomData,
            }
        }
    }

    impl fmt::Debug for InHand<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("InHand")
                .field("backend", &self.conn.backend())
                .finish_non_exhaustive()
        }
    }

    crate::in_hand::forward_connection!(InHand<'_>, |this| this.conn);
}

/// Implements `sea_orm::ConnectionTrait` for a wrapper type by forwarding
/// each required method to what `$target` gives (anything that implements
/// [`ErasedConnection`]: a SeaORM connection or transaction, or the erased
/// one). `$on_backend`, if given, runs first in `get_database_backend`,
/// the one synchronous method every connection forwards (see
/// `seaorm::probe`).
#[cfg(feature = "sea-orm")]
macro_rules! forward_connection {
    ($ty:ty, |$this:ident| $target:expr $(, on_backend: $on_backend:expr)?) => {
        #[::sea_orm::prelude::async_trait::async_trait]
        impl ::sea_orm::ConnectionTrait for $ty {
            fn get_database_backend(&self) -> ::sea_orm::DbBackend {
                let $this = self;
                $($on_backend;)?
                $crate::in_hand::ErasedConnection::backend($target)
            }
            async fn execute_raw(
                &self,
                stmt: ::sea_orm::Statement,
            ) -> ::core::result::Result<::sea_orm::ExecResult, ::sea_orm::DbErr> {
                let $this = self;
                $crate::in_hand::ErasedConnection::execute_raw($target, stmt).await
            }
            async fn execute_unprepared(
                &self,
                sql: &str,
            ) -> ::core::result::Result<::sea_orm::ExecResult, ::sea_orm::DbErr> {
                let $this = self;
                $crate::in_hand::ErasedConnection::execute_unprepared($target, sql).await
            }
            async fn query_one_raw(
                &self,
                stmt: ::sea_orm::Statement,
            ) -> ::core::result::Result<
                ::core::option::Option<::sea_orm::QueryResult>,
                ::sea_orm::DbErr,
            > {
                let $this = self;
                $crate::in_hand::ErasedConnection::query_one_raw($target, stmt).await
            }
            async fn query_all_raw(
                &self,
                stmt: ::sea_orm::Statement,
            ) -> ::core::result::Result<::std::vec::Vec<::sea_orm::QueryResult>, ::sea_orm::DbErr>
            {
                let $this = self;
                $crate::in_hand::ErasedConnection::query_all_raw($target, stmt).await
            }
            fn support_returning(&self) -> bool {
                let $this = self;
                $crate::in_hand::ErasedConnection::support_returning($target)
            }
            fn is_mock_connection(&self) -> bool {
                let $this = self;
                $crate::in_hand::ErasedConnection::is_mock_connection($target)
            }
        }
    };
}
#[cfg(feature = "sea-orm")]
pub(crate) use forward_connection;
