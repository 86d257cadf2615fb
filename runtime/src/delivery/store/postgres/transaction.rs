//! The application's own PostgreSQL transaction, whichever driver opened it:
//! what `enqueue_in` and `send_in` write in (the transactional outbox).

use super::endpoints;
use super::store;
use crate::delivery::store::contract::{NewDelivery, Publication, Published, StoreError};

/// A transaction of the application's on the database the
/// [`PostgresStore`](super::PostgresStore) uses, for
/// [`DeliveryRequest::enqueue_in`](crate::delivery::DeliveryRequest::enqueue_in)
/// and [`PublishRequest::send_in`](crate::delivery::subscriptions::PublishRequest::send_in):
/// what they write is sent if and only if it commits.
///
/// Made from a reference to the driver's transaction, so the methods take
/// either:
/// - tokio-postgres: `&transaction` (a `tokio_postgres::Transaction`, or
///   deadpool-postgres's, which wraps one);
/// - sqlx 0.9 (feature `sqlx`): `&mut transaction` (a
///   `sqlx::Transaction<'_, Postgres>`, as `pool.begin()` gives), or
///   `&mut connection` (a `sqlx::PgConnection` inside a `BEGIN` of the
///   application's).
pub struct PgTransaction<'a>(Driver<'a>);

enum Driver<'a> {
    TokioPostgres(&'a tokio_postgres::Transaction<'a>),
    #[cfg(feature = "sqlx")]
    Sqlx(&'a mut sqlx::PgConnection),
}

impl<'a, 't: 'a> From<&'a tokio_postgres::Transaction<'t>> for PgTransaction<'a> {
    fn from(transaction: &'a tokio_postgres::Transaction<'t>) -> Self {
        Self(Driver::TokioPostgres(transaction))
    }
}

impl<'a, 't: 'a> From<&'a deadpool_postgres::Transaction<'t>> for PgTransaction<'a> {
    fn from(transaction: &'a deadpool_postgres::Transaction<'t>) -> Self {
        Self(Driver::TokioPostgres(transaction))
    }
}

#[cfg(feature = "sqlx")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlx")))]
impl<'a> From<&'a mut sqlx::PgConnection> for PgTransaction<'a> {
    fn from(connection: &'a mut sqlx::PgConnection) -> Self {
        Self(Driver::Sqlx(connection))
    }
}

#[cfg(feature = "sqlx")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlx")))]
impl<'a, 't> From<&'a mut sqlx::Transaction<'t, sqlx::Postgres>> for PgTransaction<'a> {
    fn from(transaction: &'a mut sqlx::Transaction<'t, sqlx::Postgres>) -> Self {
        Self(Driver::Sqlx(&mut *transaction))
    }
}

impl std::fmt::Debug for PgTransaction<'_> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let driver = match &self.0 {
            Driver::TokioPostgres(_) => "tokio-postgres",
            #[cfg(feature = "sqlx")]
            Driver::Sqlx(_) => "sqlx",
        };
        formatter
            .debug_struct("PgTransaction")
            .field("driver", &driver)
            .finish()
    }
}

impl PgTransaction<'_> {
    /// Writes `delivery` in the transaction.
    pub(crate) async fn enqueue(self, delivery: &NewDelivery) -> Result<(), StoreError> {
        match self.0 {
            Driver::TokioPostgres(transaction) => store::enqueue_in(transaction, delivery).await,
            #[cfg(feature = "sqlx")]
            Driver::Sqlx(connection) => super::sqlx::enqueue_in(connection, delivery).await,
        }
    }

    /// Fans `publication` out in the transaction.
    pub(crate) async fn publish(self, publication: &Publication) -> Result<Published, StoreError> {
        match self.0 {
            Driver::TokioPostgres(transaction) => {
                endpoints::publish_in(transaction, publication).await
            }
            #[cfg(feature = "sqlx")]
            Driver::Sqlx(connection) => super::sqlx::publish_in(connection, publication).await,
        }
    }
}
