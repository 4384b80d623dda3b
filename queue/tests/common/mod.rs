//! What the queue's tests share: the Redis they use, a job, and a namespace of each test's own.

use std::time::{SystemTime, UNIX_EPOCH};

use queue::{clear_namespace, ApplyBatch};
use records::RunMode;

pub fn redis_url() -> String {
    std::env::var("DIS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// An apply job of no records, number `seq` of its run.
pub fn job(seq: i64) -> ApplyBatch {
    ApplyBatch {
        run_id: 1,
        run_nonce: "0123456789abcdef".into(),
        mode: RunMode::Full,
        batch_seq: seq,
        chunk: 0,
        indices: vec![],
        records: queue::Records::Influencers(vec![]),
    }
}

/// The test's own namespace, removed when the test ends, even by a panic.
pub struct OwnNamespace(pub String);

impl OwnNamespace {
    pub fn new(test: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        Self(format!("dis-test-{test}-{}-{nanos}", std::process::id()))
    }
}

impl Drop for OwnNamespace {
    fn drop(&mut self) {
        let namespace = self.0.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            let _ = runtime.block_on(clear_namespace(&redis_url(), &namespace));
        })
        .join();
    }
}
