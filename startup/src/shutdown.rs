//! The stop signal: SIGTERM (Kubernetes, `docker stop`, systemd) or Ctrl-C, whichever comes first.

/// Resolves on the first SIGTERM or Ctrl-C and says which. A signal that cannot be listened to is
/// logged and the other one still works.
pub async fn signal() -> &'static str {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "Ctrl-C cannot be listened to");
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        () = interrupt => "Ctrl-C",
        () = terminate() => "SIGTERM",
    }
}

#[cfg(unix)]
async fn terminate() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            terminate.recv().await;
        }
        Err(e) => {
            tracing::warn!(error = %e, "SIGTERM cannot be listened to");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await;
}
