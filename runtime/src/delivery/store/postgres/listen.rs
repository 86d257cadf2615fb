//! Announcing inserts to the other instances: `LISTEN`/`NOTIFY`.

use std::time::Duration;

use crate::delivery::store::contract::Wake;

/// The channel inserts are announced on.
const CHANNEL: &str = "hookspec_deliveries";

/// Listens for inserts on a connection of its own, calling `wake` at each,
/// for as long as the dispatcher runs; reconnects after a failure (1 s, then
/// doubling to 30 s), waking once after each (what was inserted meanwhile).
pub(super) async fn listen_for_inserts<T>(config: tokio_postgres::Config, tls: T, wake: Wake)
where
    T: tokio_postgres::tls::MakeTlsConnect<tokio_postgres::Socket> + Clone,
    T::Stream: Send,
{
    use futures_util::StreamExt;
    let mut pause = Duration::from_secs(1);
    loop {
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                let mut messages =
                    futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                let statement = format!("LISTEN {CHANNEL}");
                let listen = client.batch_execute(&statement);
                let mut listen = std::pin::pin!(listen);
                // Drive the connection while `LISTEN` is under way.
                let listening = loop {
                    tokio::select! {
                        done = &mut listen => break done.is_ok(),
                        message = messages.next() => if message.is_none() { break false },
                    }
                };
                if listening {
                    pause = Duration::from_secs(1);
                    wake();
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(tokio_postgres::AsyncMessage::Notification(_)) => wake(),
                            Ok(_) => {}
                            Err(error) => {
                                tracing::debug!(%error, "the LISTEN connection failed");
                                break;
                            }
                        }
                    }
                }
            }
            Err(error) => tracing::debug!(%error, "cannot open the LISTEN connection"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(30));
    }
}
