//! A TCP relay to MariaDB that a test can cut and restore: a database outage on a real connection.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Relays connections to `upstream` while up; when cut, drops every open connection and refuses new ones.
pub struct CuttableRelay {
    pub address: SocketAddr,
    cut: watch::Sender<bool>,
    refused: Arc<AtomicUsize>,
}

impl CuttableRelay {
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("an address");
        let (cut, watching) = watch::channel(false);
        let refused = Arc::new(AtomicUsize::new(0));
        let counted = refused.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if *watching.borrow() {
                    counted.fetch_add(1, Ordering::SeqCst);
                    continue; // dropped: the client sees the connection closed
                }
                tokio::spawn(relay(client, upstream, watching.clone()));
            }
        });
        Self {
            address,
            cut,
            refused,
        }
    }

    /// Waits until `attempts` more connections were refused while cut: a client kept trying.
    pub async fn wait_for_refused(&self, attempts: usize, timeout: Duration) {
        let target = self.refused.load(Ordering::SeqCst) + attempts;
        let deadline = tokio::time::Instant::now() + timeout;
        while self.refused.load(Ordering::SeqCst) < target {
            assert!(
                tokio::time::Instant::now() < deadline,
                "fewer than {attempts} connection attempts reached the cut relay"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    pub fn restore(&self) {
        self.cut.send_replace(false);
    }
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, mut cut: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.wait_for(|cut| *cut) => {}
    }
}
