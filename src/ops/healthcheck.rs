//! `expire-bot healthcheck`: asks the running server's `/healthz` and exits 0 when it
//! answers 200, 1 otherwise.
//!
//! It exists for container `HEALTHCHECK`s: the runtime image has no shell and no curl, and
//! the bot's own binary is the one HTTP client that is certainly there. It reads only
//! `BIND_ADDR` (no secrets, no database), talks HTTP/1.0 over a plain socket with short
//! timeouts, and never needs the async runtime.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::time::Duration;

/// Docker's default healthcheck timeout is 30 s; answer well within it.
const TIMEOUT: Duration = Duration::from_secs(3);

/// Where to reach the server bound to `bind_addr` from inside its own container: an
/// unspecified address (`0.0.0.0`, `::`) is reached on loopback.
pub fn target(bind_addr: SocketAddr) -> SocketAddr {
    let ip = match bind_addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, bind_addr.port())
}

/// `GET /healthz` on `addr`; `Ok(())` on a 200, otherwise a one-line reason.
pub fn check(addr: SocketAddr) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|_| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| format!("cannot set timeouts: {e}"))?;
    stream
        .write_all(b"GET /healthz HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .map_err(|e| format!("cannot send the request to {addr}: {e}"))?;
    // The status line is all that matters; read a little and stop.
    let mut buf = [0u8; 64];
    let mut len = 0;
    while len < 12 {
        match stream.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) => return Err(format!("no answer from {addr}: {e}")),
        }
    }
    let head = String::from_utf8_lossy(&buf[..len]);
    let status = head.split_whitespace().nth(1).unwrap_or("");
    if head.starts_with("HTTP/") && status == "200" {
        Ok(())
    } else {
        Err(format!(
            "{addr} answered /healthz with {:?}",
            head.lines().next().unwrap_or("")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unspecified_bind_addresses_are_reached_on_loopback() {
        let t = |s: &str| target(s.parse().unwrap()).to_string();
        assert_eq!(t("0.0.0.0:3000"), "127.0.0.1:3000");
        assert_eq!(t("[::]:8080"), "[::1]:8080");
        assert_eq!(t("10.1.2.3:3000"), "10.1.2.3:3000");
    }

    #[test]
    fn nothing_listening_is_unhealthy() {
        // Bind then drop: the port is very likely closed now.
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        assert!(check(addr).is_err());
    }
}
