//! The stop signal: SIGTERM (Kubernetes, `docker stop`, systemd) or Ctrl-C, whichever comes first.

use std::future::Future;

/// Listens for SIGTERM and Ctrl-C from the moment it is called (it must be called inside a tokio
/// runtime, before the process announces it is up), and resolves on the first of them, saying
/// which. Listening only once the future is first polled would leave a window in which a
/// SIGTERM kills the process outright instead of stopping it cleanly.
pub fn signal() -> impl Future<Output = &'static str> {
    let interrupt = listen(Kind::Interrupt);
    let terminate = listen(Kind::Terminate);
    async move {
        tokio::select! {
            () = interrupt => "Ctrl-C",
            () = terminate => "SIGTERM",
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Interrupt,
    Terminate,
}

/// Registers the handler now; a signal that cannot be listened to is logged and never fires, and
/// the other one still works.
#[cfg(unix)]
fn listen(kind: Kind) -> impl Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let (signal_kind, name) = match kind {
        Kind::Interrupt => (SignalKind::interrupt(), "Ctrl-C"),
        Kind::Terminate => (SignalKind::terminate(), "SIGTERM"),
    };
    let registered = signal(signal_kind);
    async move {
        match registered {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "{name} cannot be listened to");
                std::future::pending::<()>().await;
            }
        }
    }
}

#[cfg(not(unix))]
fn listen(kind: Kind) -> impl Future<Output = ()> {
    async move {
        match kind {
            Kind::Interrupt => {
                if tokio::signal::ctrl_c().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            Kind::Terminate => std::future::pending::<()>().await,
        }
    }
}
