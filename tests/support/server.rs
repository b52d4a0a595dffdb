//! A running `docket serve` for the tests and benchmarks: started on a free port with a store
//! in a temporary folder, its stderr kept, and a one-shot HTTP/1.1 client.

use super::tempdir::TempDir;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// The token the servers started here take.
pub const TOKEN: &str = "test-token-0123456789abcdef";

/// The example stream of `examples/`.
pub fn example() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/stream.jsonl"
    ))
    .expect("the example stream")
}

/// Every value the example stream gives to a field declared `sensitive`: the verification
/// codes and certificate digits.
pub fn secrets() -> Vec<String> {
    let mut found = Vec::new();
    for line in example().lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("JSON");
        let people = v.get("personnel").and_then(|x| x.as_array());
        for item in std::iter::once(&v).chain(people.into_iter().flatten()) {
            for key in ["code", "cert_last6"] {
                if let Some(s) = item.get(key).and_then(|x| x.as_str()) {
                    found.push(s.to_string());
                }
            }
        }
    }
    assert!(found.len() > 5, "the example has codes");
    found
}

/// An ICP order for a filing of its own. Every order is at the same instant: posts racing on
/// several connections are never refused for coming after a later one.
pub fn order(filing: &str) -> String {
    format!(
        r#"{{"type":"order_submitted","at":"2026-11-28T09:00:00+08:00","filing":"{filing}","scenario":"first_filing","variant":"app","personnel":[{{"role":"entity_leader","phone":"13800138000","cert_last6":"52817X"}}]}}"#
    )
}

/// A running `docket serve` on a store of its own in a temp dir.
pub struct Server {
    pub child: Child,
    pub addr: String,
    /// Its folder, handed over by [`Server::terminate`].
    dir: Option<TempDir>,
    /// Everything it wrote on stderr so far.
    pub log: Arc<Mutex<String>>,
}

impl Server {
    pub fn start(name: &str) -> Server {
        Server::start_with(name, &[])
    }

    /// A server given `args` too.
    pub fn start_with(name: &str, args: &[&str]) -> Server {
        let dir = TempDir::new(name);
        let store = dir.path().join("world.db");
        let store = store.to_str().expect("a UTF-8 path").to_string();
        Server::on(dir, &store, args)
    }

    /// A server on the store `store` (its key, if SQLite, beside it; for another store, in
    /// `$DOCKET_STORE_KEY` as the caller set it), its token in `dir` (none when `args` hold
    /// `--no-auth`), given `args` too.
    pub fn on(dir: TempDir, store: &str, args: &[&str]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_docket"));
        if !store.starts_with("postgres") {
            command.env_remove("DOCKET_STORE_KEY");
        }
        command.args(["serve", "--listen", "127.0.0.1:0", "--store", store]);
        if !args.contains(&"--no-auth") {
            let token = dir.path().join("token");
            std::fs::write(&token, format!("{TOKEN}\n")).expect("write the token");
            command.arg("--token-file").arg(&token);
        }
        let mut child = command
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env_remove("DOCKET_SERVE_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docket serve starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let (found, address) = mpsc::channel();
        let kept = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("docket serve: listening on http://") {
                    let addr = rest.split_whitespace().next().unwrap_or_default();
                    let _ = found.send(addr.to_string());
                }
                let mut log = kept.lock().expect("the log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = address
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("no address printed: {}", log.lock().expect("log")));
        Server {
            child,
            addr,
            dir: Some(dir),
            log,
        }
    }

    /// Kills it with SIGKILL (nothing of it runs after) and hands its folder over.
    pub fn kill(mut self) -> TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.dir.take().expect("the folder")
    }

    pub fn store(&self) -> String {
        let dir = self.dir.as_ref().expect("the folder");
        dir.str().to_string() + "/world.db"
    }

    /// The address of `path` on this server, for a browser.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A request with the token.
    pub fn call(&self, method: &str, path: &str, body: &[u8]) -> Answer {
        request(&self.addr, method, path, Some(TOKEN), body)
    }

    /// The journal as the service gives it.
    /// The whole journal as the service gives it, page after page.
    pub fn journal(&self) -> String {
        let mut all = String::new();
        let mut since = 0;
        loop {
            let answer = self.call("GET", &format!("/v1/journal?since={since}"), b"");
            assert_eq!(answer.status, 200, "{}", answer.body);
            let Some(last) = answer.body.lines().last() else {
                return all;
            };
            let row: serde_json::Value = serde_json::from_str(last).expect("a journal row");
            since = row["seq"].as_i64().expect("a row's seq");
            all.push_str(&answer.body);
        }
    }

    /// Sends SIGTERM and waits for the exit code; also the log and the folder of the store.
    pub fn terminate(mut self) -> (Option<i32>, String, TempDir) {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                // let the reader take the last lines
                std::thread::sleep(Duration::from_millis(100));
                let log = self.log.lock().expect("log").clone();
                let dir = self.dir.take().expect("the folder");
                return (status.code(), log, dir);
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "docket serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// One HTTP/1.1 request on a connection of its own (`Connection: close`), read to its end.
pub fn request(addr: &str, method: &str, path: &str, token: Option<&str>, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(token) = token {
        head.push_str(&format!("Authorization: Bearer {token}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send the head");
    // a server may answer (413) and close before taking the whole body
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8(raw).expect("the answer is UTF-8");
    let (head, rest) = text.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        unchunk(rest)
    } else {
        rest.to_string()
    };
    Answer {
        status,
        head: head.to_string(),
        body,
    }
}

/// A chunked body, put together.
fn unchunk(mut rest: &str) -> String {
    let mut body = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).expect("a chunk size");
        if n == 0 {
            break;
        }
        body.push_str(&after[..n]);
        rest = &after[n + 2..];
    }
    body
}
