//! A TCP proxy in front of the mock TDS server that does what the mock cannot: answer a keyset
//! page according to the `@P1`/`@P2` parameters of the request (the mock matches a statement by
//! its text alone), refuse a login with a server error, and record the login packet.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use mssql_mock_tds::protocol::build_terminal_error_tokens;
use mssql_mock_tds::{ColumnDefinition, QueryResponse, Row, TerminalError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::erp::{MockErp, Registry};

const RPC: u8 = 0x03;
const LOGIN7: u8 = 0x10;
const TABULAR_RESULT: u8 = 0x04;
const END_OF_MESSAGE: u8 = 0x01;

/// Produces the rows of one page: those with a key above `after`, at most `limit`.
pub type PageFn = Arc<dyn Fn(i64, i64) -> Vec<Row> + Send + Sync>;

/// A statement whose answer depends on its keyset parameters.
#[derive(Clone)]
pub struct PagedStatement {
    pub statement: String,
    pub columns: Vec<ColumnDefinition>,
    pub page: PageFn,
}

impl PagedStatement {
    /// Pages over `rows`, each given with its key, in key order.
    pub fn over(statement: &str, columns: Vec<ColumnDefinition>, rows: Vec<(i64, Row)>) -> Self {
        let rows = Arc::new(rows);
        Self {
            statement: statement.to_uppercase(),
            columns,
            page: Arc::new(move |after, limit| {
                rows.iter()
                    .filter(|(key, _)| *key > after)
                    .take(usize::try_from(limit).unwrap())
                    .map(|(_, row)| row.clone())
                    .collect()
            }),
        }
    }
}

/// What the proxy does with a client's message.
#[derive(Clone, Default)]
pub struct ProxyRules {
    pub paged: Vec<PagedStatement>,
    /// Answer every login with this server error (number, message) instead of forwarding it.
    pub refuse_login: Option<(u32, String)>,
    /// Every login packet's body, as sent.
    pub logins: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Every page asked for.
    pub pages: Arc<Mutex<Vec<PageRequest>>>,
}

/// One page an RPC asked for: its statement, `@P1`, `@P2`, and the window `@P3`, `@P4` if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub statement: String,
    pub limit: i64,
    pub after: i64,
    pub window: Option<(String, String)>,
}

/// Starts the proxy in front of `erp`; connect to the returned address instead.
pub async fn start_proxy(erp: &MockErp, rules: ProxyRules) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (upstream, registry) = (erp.addr, Arc::clone(&erp.registry));
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (rules, registry) = (rules.clone(), Arc::clone(&registry));
            tokio::spawn(async move {
                let server = TcpStream::connect(upstream).await.unwrap();
                let _ = relay(client, server, rules, registry).await;
            });
        }
    });
    addr
}

async fn relay(
    client: TcpStream,
    server: TcpStream,
    rules: ProxyRules,
    registry: Registry,
) -> std::io::Result<()> {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let (answers, mut answer_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    // Server answers and the proxy's own answers share the client's write half.
    tokio::spawn(async move {
        let mut buffer = vec![0; 64 * 1024];
        loop {
            tokio::select! {
                read = server_read.read(&mut buffer) => match read {
                    Ok(0) | Err(_) => break,
                    Ok(n) => if client_write.write_all(&buffer[..n]).await.is_err() { break },
                },
                Some(answer) = answer_rx.recv() => {
                    if client_write.write_all(&answer).await.is_err() { break }
                }
            }
        }
    });
    loop {
        let (kind, packets, body) = read_message(&mut client_read).await?;
        if kind == LOGIN7 {
            rules.logins.lock().unwrap().push(body.clone());
            if let Some((number, message)) = &rules.refuse_login {
                let tokens = build_terminal_error_tokens(&TerminalError::new(*number, 14, message));
                let _ = answers.send(packet(TABULAR_RESULT, &tokens));
                continue;
            }
        }
        if kind == RPC {
            prepare_page(&body, &rules, &registry).await;
        }
        server_write.write_all(&packets).await?;
    }
}

/// Reads packets up to the end of a message: its type, its raw packets, and its body.
async fn read_message(
    stream: &mut tokio::net::tcp::OwnedReadHalf,
) -> std::io::Result<(u8, Vec<u8>, Vec<u8>)> {
    let (mut packets, mut body) = (Vec::new(), Vec::new());
    loop {
        let mut header = [0u8; 8];
        stream.read_exact(&mut header).await?;
        let length = usize::from(u16::from_be_bytes([header[2], header[3]]));
        let mut payload = vec![0; length - 8];
        stream.read_exact(&mut payload).await?;
        packets.extend_from_slice(&header);
        packets.extend_from_slice(&payload);
        body.extend_from_slice(&payload);
        if header[1] & END_OF_MESSAGE != 0 {
            return Ok((header[0], packets, body));
        }
    }
}

fn packet(kind: u8, body: &[u8]) -> Vec<u8> {
    let length = u16::try_from(body.len() + 8).unwrap().to_be_bytes();
    let mut packet = vec![kind, END_OF_MESSAGE, length[0], length[1], 0, 0, 1, 0];
    packet.extend_from_slice(body);
    packet
}

fn utf16(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// Registers the page an RPC asks for, so the mock answers the statement with exactly it.
async fn prepare_page(body: &[u8], rules: &ProxyRules, registry: &Registry) {
    for paged in &rules.paged {
        let needle = utf16(&paged.statement);
        if !body.windows(needle.len()).any(|w| w == needle) {
            continue;
        }
        let (Some(limit), Some(after)) = (bigint_param(body, "@P1"), bigint_param(body, "@P2"))
        else {
            continue;
        };
        let window = text_param(body, "@P3").zip(text_param(body, "@P4"));
        rules.pages.lock().unwrap().push(PageRequest {
            statement: paged.statement.clone(),
            limit,
            after,
            window,
        });
        let rows = (paged.page)(after, limit);
        let response = QueryResponse::new(paged.columns.clone(), rows);
        registry.lock().await.register(&paged.statement, response);
    }
}

/// The value of a BIGINT RPC parameter: its name, a status byte, INTN(8), then 8 bytes.
fn bigint_param(body: &[u8], name: &str) -> Option<i64> {
    let mut needle = vec![u8::try_from(name.len()).unwrap()];
    needle.extend(utf16(name));
    let at = body.windows(needle.len()).position(|w| w == needle)? + needle.len();
    let value = body.get(at + 1..at + 12)?;
    (value[..3] == [0x26, 0x08, 0x08]).then(|| i64::from_le_bytes(value[3..].try_into().unwrap()))
}

/// The value of an NVARCHAR RPC parameter: its name, a status byte, NVARCHAR (0xE7), its
/// maximum length, a 5-byte collation, then the length and the UTF-16 text.
fn text_param(body: &[u8], name: &str) -> Option<String> {
    let mut needle = vec![u8::try_from(name.len()).unwrap()];
    needle.extend(utf16(name));
    let at = body.windows(needle.len()).position(|w| w == needle)? + needle.len() + 1;
    if *body.get(at)? != 0xE7 {
        return None;
    }
    let length = usize::from(u16::from_le_bytes([*body.get(at + 8)?, *body.get(at + 9)?]));
    let text = body.get(at + 10..at + 10 + length)?;
    let units: Vec<u16> = text
        .chunks_exact(2)
        .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
        .collect();
    String::from_utf16(&units).ok()
}
