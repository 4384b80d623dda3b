//! Driving Debian's headless Chromium over the DevTools protocol (chromiumoxide): a browser with
//! a profile of its own, and a tab that opens dashboard pages, clicks, types, waits for a state,
//! reads what a page shows and saves screenshots under `target/ops-screenshots/`.

use std::path::PathBuf;
use std::time::Duration;

use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::handler::viewport::Viewport;
use chromiumoxide::page::{Page, ScreenshotParams};
use futures::StreamExt;

use e2e::TestApp;

/// One page reaching the state a step waits for.
const STEP_LIMIT: Duration = Duration::from_secs(30);

/// A headless Chromium with a profile of its own, removed when it is closed.
pub struct Chromium {
    browser: Browser,
    events: tokio::task::JoinHandle<()>,
    profile: PathBuf,
}

impl Chromium {
    pub async fn launch() -> Self {
        let executable = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
            .into_iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
            .expect(
                "Chromium is not installed: run scripts/ensure-chromium.sh (scripts/test.sh does)",
            );
        let profile = std::env::temp_dir().join(format!("dis-ops-chromium-{}", std::process::id()));
        let config = BrowserConfig::builder()
            .chrome_executable(executable)
            .no_sandbox()
            .arg("disable-gpu")
            .window_size(1280, 900)
            .user_data_dir(&profile)
            .viewport(Viewport {
                width: 1280,
                height: 900,
                ..Viewport::default()
            })
            .launch_timeout(Duration::from_mins(1))
            .build()
            .expect("a browser configuration");
        let (browser, mut handler) = Browser::launch(config).await.expect("Chromium starts");
        let events = tokio::spawn(async move { while handler.next().await.is_some() {} });
        Self {
            browser,
            events,
            profile,
        }
    }

    pub async fn tab(&self, app: &TestApp) -> Tab {
        let page = self.browser.new_page("about:blank").await.expect("a tab");
        let shots = screenshot_dir();
        std::fs::create_dir_all(&shots).expect("the screenshot folder");
        Tab {
            page,
            base: app.url(""),
            shots,
        }
    }

    pub async fn close(mut self) {
        let _ = self.browser.close().await;
        let _ = self.browser.wait().await;
        self.events.abort();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// `target/ops-screenshots`, wherever cargo builds.
fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(
            || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"),
            PathBuf::from,
        )
        .join("ops-screenshots")
}

pub struct Tab {
    pub page: Page,
    base: String,
    shots: PathBuf,
}

impl Tab {
    pub async fn open(&self, path: &str) {
        self.page
            .goto(format!("{}{path}", self.base))
            .await
            .expect("the page loads");
    }

    /// Evaluates a JavaScript expression; `None` while the page is between documents.
    pub async fn eval<T: serde::de::DeserializeOwned>(&self, expression: &str) -> Option<T> {
        let result = self.page.evaluate(expression).await.ok()?;
        result.into_value().ok()
    }

    /// Waits until `condition` (JavaScript) holds on the page, reloading it when asked to.
    pub async fn wait_for(&self, condition: &str, reload: bool) {
        let deadline = tokio::time::Instant::now() + STEP_LIMIT;
        loop {
            if self.eval::<bool>(condition).await == Some(true) {
                return;
            }
            let html = self.eval::<String>("document.body.innerText").await;
            assert!(
                tokio::time::Instant::now() < deadline,
                "waited in vain for {condition}; the page reads: {html:?}"
            );
            if reload {
                let _ = self.page.reload().await;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    pub async fn path(&self) -> String {
        self.eval("location.pathname + location.search")
            .await
            .unwrap_or_default()
    }

    pub async fn click(&self, selector: &str) {
        let Ok(element) = self.page.find_element(selector).await else {
            panic!("no {selector} on {}", self.path().await);
        };
        element.click().await.expect("a click");
    }

    pub async fn type_into(&self, selector: &str, text: &str) {
        let field = self.page.find_element(selector).await.expect("the field");
        field
            .click()
            .await
            .expect("focus")
            .type_str(text)
            .await
            .expect("typing");
    }

    /// The raw number a page shows as `data-count="{name}"`.
    pub async fn shown(&self, name: &str) -> Option<i64> {
        let expression = format!(
            r#"Number(document.querySelector('[data-count="{name}"]')?.dataset.value ?? NaN)"#
        );
        self.eval::<f64>(&expression).await.map(|v| v as i64)
    }

    pub async fn shot(&self, name: &str) {
        let path = self.shots.join(format!("{name}.png"));
        let params = ScreenshotParams::builder().full_page(true).build();
        self.page
            .save_screenshot(params, &path)
            .await
            .unwrap_or_else(|e| panic!("screenshot {}: {e}", path.display()));
    }
}
