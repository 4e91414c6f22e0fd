//! Password policy and hashing.
//!
//! Policy follows NIST SP 800-63B: 8 to 128 characters, no composition rules,
//! and a refusal of the most common passwords. Hashing is argon2id with
//! m = 19456 KiB, t = 2, p = 1, run on the blocking pool so that a burst of
//! sign-ins cannot stall the async workers, and at most twice as many at
//! once as there are cores: each one holds 19 MiB, and a flood of sign-ins
//! must get "try again in a moment", not a pile of hashes that exhausts
//! memory and makes every sign-in slow.

use argon2::{
    password_hash::{phc::PasswordHash, PasswordHasher, PasswordVerifier},
    Algorithm, Argon2, Params, Version,
};
use std::sync::LazyLock;
use std::time::Duration;
use tokio::sync::Semaphore;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

static COMMON: LazyLock<std::collections::HashSet<String>> = LazyLock::new(|| {
    include_str!("common_passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
});

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    #[error("Password must be at least {MIN_LENGTH} characters long")]
    TooShort,
    #[error("Password must be at most {MAX_LENGTH} characters long")]
    TooLong,
    #[error(
        "This password is one of the most commonly used and easily guessed. Please choose another"
    )]
    TooCommon,
}

/// Checks a new password against the policy. Length counts characters, not bytes.
pub fn check_policy(password: &str) -> Result<(), PasswordPolicyError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordPolicyError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordPolicyError::TooLong);
    }
    if COMMON.contains(&password.trim().to_lowercase()) {
        return Err(PasswordPolicyError::TooCommon);
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing slot stayed taken for [`SLOT_WAIT`].
    #[error("Paydesk is busy checking other sign-ins. Try again in a moment")]
    Busy,
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Hashes running at once: about twice the cores, so the cores stay busy
/// while memory stays bounded (19 MiB each).
static SLOTS: LazyLock<Semaphore> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    Semaphore::new(cores * 2)
});

/// How long a sign-in waits for a slot before it is told to try again: a
/// short burst of people signing in at once is absorbed, a flood is not.
const SLOT_WAIT: Duration = Duration::from_secs(2);

/// Runs one argon2 computation on the blocking pool, in a slot.
async fn in_slot<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, HashError> {
    let permit = tokio::time::timeout(SLOT_WAIT, SLOTS.acquire())
        .await
        .map_err(|_| HashError::Busy)?
        .map_err(|err| HashError::Failed(err.into()))?;
    let result = tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| HashError::Failed(err.into()))?;
    drop(permit);
    Ok(result?)
}

fn hasher() -> Argon2<'static> {
    // The defaults are the values above today; spelling them out keeps them
    // from changing under us with a crate upgrade.
    let params = Params::new(19_456, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string, on the blocking pool.
pub async fn hash(password: String) -> Result<String, HashError> {
    in_slot(move || {
        hasher()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|err| anyhow::anyhow!("hashing a password failed: {err}"))
    })
    .await
}

/// A hash of a random password, verified against when the email is unknown
/// so that a wrong email takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut random = [0u8; 24];
    rand::fill(&mut random);
    hasher()
        .hash_password(&random)
        .map(|hash| hash.to_string())
        .unwrap_or_default()
});

/// A hash no password is known to match: for accounts made by invitation,
/// which nobody can sign in to until the member sets a password.
pub fn unguessable_hash() -> String {
    DUMMY_HASH.clone()
}

/// Warms the dummy hash so the first unknown-email sign-in is not faster or
/// slower than the rest.
pub fn prepare() {
    LazyLock::force(&DUMMY_HASH);
}

/// Verifies a password against a stored hash (or, with `None`, against the
/// dummy hash, always failing), on the blocking pool.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, HashError> {
    in_slot(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&phc)
            .map_err(|err| anyhow::anyhow!("stored password hash is malformed: {err}"))?;
        let matches = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str, expected: Result<(), PasswordPolicyError>) {
        assert_eq!(check_policy(password), expected, "password {password:?}");
    }

    #[test]
    fn policy_is_length_and_commonness_only() {
        check("", Err(PasswordPolicyError::TooShort));
        check("seven77", Err(PasswordPolicyError::TooShort));
        check("eight888", Ok(()));
        check("all lower case words", Ok(()));
        check(&"x".repeat(128), Ok(()));
        check(&"x".repeat(129), Err(PasswordPolicyError::TooLong));
        check("password", Err(PasswordPolicyError::TooCommon));
        check("PassWord123", Err(PasswordPolicyError::TooCommon));
        check("qwertyuiop", Err(PasswordPolicyError::TooCommon));
        // Characters, not bytes: eight two-byte characters are long enough.
        check("éééééééé", Ok(()));
    }

    #[tokio::test]
    async fn a_hash_verifies_only_its_own_password() {
        let stored = hash("correct horse battery".into()).await.unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{stored}"
        );
        assert!(verify("correct horse battery".into(), Some(stored.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery".into(), Some(stored))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }
}
