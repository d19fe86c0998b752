//! The accept loop of `orderly serve`: at most [`Limits::max_connections`] connections at
//! once, each closed when its client is too slow to send a request's headers or stays
//! idle too long between requests.
//!
//! `axum::serve` offers neither: it accepts every connection and waits on each for ever.
//! hyper's own `header_read_timeout` starts when a connection becomes idle, so it cannot
//! tell a kept-alive connection (allowed [`Limits::idle_timeout`]) from a request whose
//! headers trickle in (allowed [`Limits::header_timeout`]); [`DeadlineIo`] keeps both
//! deadlines, from what the connection is doing.

use super::transport::Limits;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// How long the loop rests after an accept error that is not the client's (out of file
/// descriptors): accepting again at once would spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// Serves `app` on `listener` for ever.
///
/// Over the connection cap the loop stops accepting: new connections wait in the kernel's
/// listen backlog, not refused, and are served in turn as others close. A client sees a
/// slower answer rather than a reset, which the AWS SDKs would retry anyway, and a burst
/// of slow clients costs each other client a wait bounded by the timeouts, never an error.
/// Past the backlog the kernel drops new connection attempts, which clients retry.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        // The semaphore is never closed, so this always gets a permit.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                if !is_client_error(&e) {
                    tracing::warn!(target: "orderly_local::server", error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
                continue;
            }
        };
        // An answer goes out as soon as it is written: with Nagle's algorithm, a response
        // written in two segments waits for the client's delayed ACK (about 40 ms).
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        tokio::spawn(async move {
            connection(stream, peer, app, limits).await;
            drop(slot);
        });
    }
}

/// Errors of one connection attempt (the client gave up before the accept), not of the
/// listener.
fn is_client_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

/// Serves the requests of one connection until the client closes it or a deadline passes.
async fn connection(stream: TcpStream, peer: SocketAddr, app: Router, limits: Limits) {
    let phase = Arc::new(PhaseCell::new());
    let io = TokioIo::new(DeadlineIo::new(stream, phase.clone(), limits));
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        // The client's address: an HTTP API event's `sourceIp`.
        request.extensions_mut().insert(ConnectInfo(peer));
        let busy = Busy::start(phase.clone());
        let app = app.clone();
        async move {
            let response = app.oneshot(request).await;
            drop(busy);
            response
        }
    });
    let served = hyper::server::conn::http1::Builder::new()
        // The deadlines are DeadlineIo's; hyper's own would close idle connections at the
        // header timeout.
        .header_read_timeout(None)
        .serve_connection(io, service)
        .await;
    if let Err(e) = served {
        tracing::debug!(target: "orderly_local::server", error = %e, "connection closed");
    }
}

/// What a connection is waiting for.
#[derive(Debug, Clone, Copy)]
enum Phase {
    /// The headers of a request, since the connection opened or its first byte came.
    Head(Instant),
    /// A request is being served (its body read, its answer made): the body and request
    /// timeouts of the layers bound this phase.
    Busy,
    /// The next request on a kept-alive connection, since the last one was answered.
    Idle(Instant),
}

/// The phase of one connection, shared by its IO (which sees bytes) and its service (which
/// sees requests).
#[derive(Debug)]
struct PhaseCell(Mutex<Phase>);

impl PhaseCell {
    fn new() -> Self {
        Self(Mutex::new(Phase::Head(Instant::now())))
    }

    fn lock(&self) -> MutexGuard<'_, Phase> {
        // A phase is a plain value: one left by a panicking holder is still whole.
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn set(&self, phase: Phase) {
        *self.lock() = phase;
    }

    /// Bytes came in: on an idle connection they start a request's headers.
    fn bytes_read(&self) {
        let mut phase = self.lock();
        if let Phase::Idle(_) = *phase {
            *phase = Phase::Head(Instant::now());
        }
    }

    /// When the connection is to be closed if it is still waiting, in this phase.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        match *self.lock() {
            Phase::Head(since) => Some(since + limits.header_timeout),
            Phase::Busy => None,
            Phase::Idle(since) => Some(since + limits.idle_timeout),
        }
    }
}

/// A request in service; dropping it (answered, or abandoned by the client) makes the
/// connection idle.
struct Busy(Arc<PhaseCell>);

impl Busy {
    fn start(phase: Arc<PhaseCell>) -> Self {
        phase.set(Phase::Busy);
        Self(phase)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.set(Phase::Idle(Instant::now()));
    }
}

/// A TCP stream that fails with `TimedOut` when it has waited past its phase's deadline,
/// so hyper closes the connection.
struct DeadlineIo {
    stream: TcpStream,
    phase: Arc<PhaseCell>,
    limits: Limits,
    /// Woken at the deadline; `armed` is the instant it is set for.
    sleep: Pin<Box<Sleep>>,
    armed: Option<Instant>,
}

impl DeadlineIo {
    fn new(stream: TcpStream, phase: Arc<PhaseCell>, limits: Limits) -> Self {
        Self {
            stream,
            phase,
            limits,
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed: None,
        }
    }

    /// Called when the stream is not ready: the error to end the connection with, once
    /// the phase's deadline has passed; otherwise the task is woken at the deadline.
    fn expired(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        let deadline = self.phase.deadline(&self.limits)?;
        if self.armed != Some(deadline) {
            self.sleep.as_mut().reset(deadline);
            self.armed = Some(deadline);
        }
        self.sleep.as_mut().poll(cx).is_ready().then(|| {
            io::Error::new(
                io::ErrorKind::TimedOut,
                "the client sent nothing within the connection's timeout",
            )
        })
    }

    /// `poll`'s answer, or the timeout error when it is pending past the deadline.
    fn or_expired<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending => match self.expired(cx) {
                Some(e) => Poll::Ready(Err(e)),
                None => Poll::Pending,
            },
            ready => ready,
        }
    }
}

impl AsyncRead for DeadlineIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.phase.bytes_read();
        }
        this.or_expired(cx, poll)
    }
}

impl AsyncWrite for DeadlineIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        // A client that stops reading its answers is as slow as one that stops sending.
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write(cx, buf);
        this.or_expired(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_write_vectored(cx, bufs);
        this.or_expired(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.stream).poll_flush(cx);
        this.or_expired(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
