//! The bearer token of `docket serve`: where it comes from, and comparing it in constant
//! time.

use sha2::{Digest, Sha256};
use std::path::Path;

/// The environment variable that may hold the token.
pub(crate) const TOKEN_VAR: &str = "DOCKET_SERVE_TOKEN";

/// The shortest token taken, in bytes: a guessable token is no protection.
const MIN_TOKEN: usize = 16;

/// The token clients must send, kept as its SHA-256 (compared digest to digest, so neither
/// its length nor its bytes show in how long a comparison takes). `None`: no token
/// (`--no-auth`).
#[derive(Clone)]
pub(crate) struct Token([u8; 32]);

impl Token {
    fn new(text: &str) -> Token {
        Token(Sha256::digest(text.as_bytes()).into())
    }

    /// Whether `given` is the token, in time independent of where they differ.
    pub(crate) fn matches(&self, given: &str) -> bool {
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        let diff = self
            .0
            .iter()
            .zip(given.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

/// The token from `file`, else from `$DOCKET_SERVE_TOKEN`; none with `no_auth` (then
/// giving one is a mistake said so).
pub(crate) fn token(file: Option<&Path>, no_auth: bool) -> Result<Option<Token>, String> {
    let from_env = std::env::var(TOKEN_VAR).ok();
    if no_auth {
        if from_env.is_some() {
            return Err(format!(
                "error: `--no-auth` was given, but `{TOKEN_VAR}` holds a token: unset it or drop `--no-auth`"
            ));
        }
        return Ok(None);
    }
    let (text, from) = match file {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| {
                format!("error: cannot read the token file `{}`: {e}", path.display())
            })?,
            format!("the token file `{}`", path.display()),
        ),
        None => match from_env {
            Some(text) => (text, format!("`{TOKEN_VAR}`")),
            None => {
                return Err(format!(
                    "error: `docket serve` needs a token: give `--token-file FILE` or set `{TOKEN_VAR}` (or `--no-auth` on a loopback address)\n  = help: make one with `head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n'`"
                ))
            }
        },
    };
    let text = text.trim();
    if text.len() < MIN_TOKEN || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "error: {from} does not hold a usable token: one line of at least {MIN_TOKEN} characters, without spaces"
        ));
    }
    Ok(Some(Token::new(text)))
}

#[cfg(test)]
mod tests {
    use super::Token;

    #[test]
    fn only_the_token_matches() {
        let t = Token::new("0123456789abcdef");
        assert!(t.matches("0123456789abcdef"));
        assert!(!t.matches("0123456789abcdeF"));
        assert!(!t.matches("0123456789abcde"));
        assert!(!t.matches(""));
    }
}
