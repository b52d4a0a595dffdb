//! The accept loop of `docket serve`: HTTP/1.1 connections served by hyper with the bounds
//! a service facing other programs needs — at most [`MAX_CONNECTIONS`] open at once (more
//! wait in the listen backlog), a request head read within [`HEAD_TIMEOUT`] — and a
//! graceful stop: on SIGTERM, no more connections are taken, each open one finishes the
//! request it is answering and closes, and connections still open [`DRAIN`] later are
//! dropped.

use super::http::{router, stop_signal, State, DRAIN};
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

/// The most connections served at once.
pub(crate) const MAX_CONNECTIONS: usize = 1024;
/// How long a client may take to send a request's head (its line and headers), counted
/// from when the service starts waiting for it; a slower one is disconnected. (The body
/// has its own bound, in the handlers.)
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves on `listener` until SIGTERM or SIGINT (or the writer thread ends), then answers
/// what is in flight (`stopping` is set first, so that long polls end).
pub(crate) async fn serve(
    listener: TcpListener,
    state: State,
    stopping: watch::Sender<bool>,
    writer_gone: Arc<tokio::sync::Notify>,
) -> Result<(), String> {
    let app = router(state);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (closing, closing_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let stop = stop_signal(writer_gone);
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            () = &mut stop => break,
            slot = Arc::clone(&slots).acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // out of file descriptors, or a connection reset before it was taken:
                    // the service goes on; a moment's pause keeps it from spinning
                    crate::report(&format!("docket serve: cannot accept a connection: {e}"));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = TowerToHyperService::new(app.clone());
        let mut closing = closing_rx.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let told = async move {
                // `Err`: the loop is gone, which also means stopping
                let _ = closing.wait_for(|c| *c).await.map(|_| ());
            };
            tokio::select! {
                _ = conn.as_mut() => {}
                () = told => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
        // the finished connections' tasks, collected as we go
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    stopping.send_replace(true);
    closing.send_replace(true);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        // a client still sending its request (or reading an answer) after DRAIN does not
        // hold the service up: what was handed to the writer is committed all the same
        crate::report(&format!(
            "docket serve: connections still open {} s after the signal were closed (none had an answer)",
            DRAIN.as_secs()
        ));
        connections.abort_all();
    }
    Ok(())
}
