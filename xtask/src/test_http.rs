//! A tiny HTTP server on loopback for the download tests: it answers at most `max_requests`
//! connections, one request each, with what `respond` gives for the request target (404
//! otherwise), then stops accepting.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

/// Starts the server and returns its base URL (`http://127.0.0.1:PORT`).
pub fn serve(
    max_requests: usize,
    respond: impl Fn(&str) -> Option<Vec<u8>> + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let addr = listener.local_addr().expect("the listener's address");
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max_requests) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut request = Vec::new();
            let mut chunk = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&chunk[..n]),
                }
            }
            let request = String::from_utf8_lossy(&request);
            let target = request.split_whitespace().nth(1).unwrap_or("/");
            let (status, body) = match respond(target) {
                Some(body) => ("200 OK", body),
                None => ("404 Not Found", b"404: Not Found".to_vec()),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}
