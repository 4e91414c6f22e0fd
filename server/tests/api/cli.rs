//! The `paydesk` binary itself: migrate, create-admin, serve and shut down.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

fn paydesk(database_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paydesk"));
    command
        .env("DATABASE_URL", database_url)
        // Every command gets the data key from the environment, so none
        // writes a key file into the crate's folder.
        .env("PAYDESK_SECRET_KEY", "0".repeat(64))
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn create_admin(database_url: &str, email: &str, password: &str) -> std::process::Output {
    let mut child = paydesk(database_url)
        .args(["create-admin", "--email", email, "--password-stdin"])
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

fn temp_database() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/cli.db?mode=rwc", dir.path().display());
    (dir, url)
}

#[test]
fn migrate_creates_the_database_file_and_its_folder() {
    let (dir, _) = temp_database();
    let url = format!(
        "sqlite://{}/nested/folder/paydesk.db?mode=rwc",
        dir.path().display()
    );
    let output = paydesk(&url).arg("migrate").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("up to date"));
    assert!(dir.path().join("nested/folder/paydesk.db").exists());
}

#[test]
fn create_admin_refuses_a_weak_password_with_the_reason() {
    let (_dir, url) = temp_database();
    let output = create_admin(&url, "boss@example.com", "short");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("at least 8 characters"), "{stderr}");

    let output = create_admin(&url, "boss@example.com", "password123");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("commonly used"));
}

#[test]
fn create_admin_creates_one_admin_per_email() {
    let (_dir, url) = temp_database();
    let output = create_admin(&url, "Boss@Example.com", "a long admin passphrase");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("boss@example.com"));

    let again = create_admin(&url, "boss@example.com", "another long passphrase");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("cannot be used"));
}

#[test]
fn create_admin_makes_an_owner_unless_told_another_role() {
    let (_dir, url) = temp_database();
    let output = create_admin(&url, "first@example.com", "a long admin passphrase");
    assert!(String::from_utf8_lossy(&output.stdout).contains("(Owner)"));

    let mut child = paydesk(&url)
        .args([
            "create-admin",
            "--email",
            "checker@example.com",
            "--role",
            "reviewer",
            "--password-stdin",
        ])
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "a long reviewer passphrase").unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("(Reviewer)"));

    let output = paydesk(&url)
        .args([
            "create-admin",
            "--email",
            "boss@example.com",
            "--role",
            "boss",
            "--password-stdin",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("payments-manager"), "{stderr}");
}

#[test]
fn create_admin_without_a_terminal_asks_for_password_stdin() {
    let (_dir, url) = temp_database();
    let output = paydesk(&url)
        .args(["create-admin", "--email", "boss@example.com"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--password-stdin"));
}

#[test]
fn serve_answers_health_checks_and_stops_cleanly_on_sigterm() {
    let (dir, url) = temp_database();
    let key_file = dir.path().join("keys").join("paydesk.key");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = paydesk(&url)
        .env("PAYDESK_ADDR", format!("127.0.0.1:{port}"))
        .env_remove("PAYDESK_SECRET_KEY")
        .env("PAYDESK_SECRET_KEY_FILE", &key_file)
        .spawn()
        .unwrap();

    // The server prints its URL once it is listening: that line is the signal.
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert!(line.contains(&format!("http://127.0.0.1:{port}")), "{line}");

    let health = std::net::TcpStream::connect(("127.0.0.1", port)).and_then(|mut stream| {
        use std::io::Read;
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        Ok(answer)
    });
    let health = health.unwrap();
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    // The first start made the data key, readable by its owner only.
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // SAFETY: kill(2) with a pid we own and a valid signal number.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    assert_eq!(sent, 0);
    let status = child.wait().unwrap();
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[test]
fn demo_fills_an_empty_database_once_and_verify_finds_it_clean() {
    let (_dir, url) = temp_database();
    let output = paydesk(&url).arg("demo").output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("admin@paydesk.demo"), "{stdout}");
    assert!(stdout.contains("ada@paydesk.demo"), "{stdout}");

    let again = paydesk(&url).arg("demo").output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("only goes into an empty database"));

    let verify = paydesk(&url).arg("verify").output().unwrap();
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(verify.status.success(), "{report}");
    assert!(
        report.contains("8 withdrawal requests") && report.contains("Ledger OK"),
        "{report}"
    );
}

#[test]
fn verify_exits_non_zero_and_names_each_violation() {
    let (dir, url) = temp_database();
    assert!(paydesk(&url).arg("demo").output().unwrap().status.success());
    // Tamper with a cached balance behind the ledger's back.
    let _ = dir;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            use sea_orm::ConnectionTrait;
            let db = sea_orm::Database::connect(&url).await.unwrap();
            db.execute_unprepared(
                "UPDATE wallets SET balance = balance + 5 WHERE id = (SELECT MIN(id) FROM wallets WHERE kind = 'member')",
            )
            .await
            .unwrap();
            db.close().await.unwrap();
        });
    let verify = paydesk(&url).arg("verify").output().unwrap();
    assert!(!verify.status.success());
    let report = String::from_utf8_lossy(&verify.stdout);
    assert!(report.contains("VIOLATION: wallet"), "{report}");
    assert!(String::from_utf8_lossy(&verify.stderr).contains("1 ledger invariant violation"));
}

#[test]
fn reset_2fa_names_an_unknown_account_and_resets_a_known_one() {
    let (_dir, url) = temp_database();
    let unknown = paydesk(&url)
        .args(["reset-2fa", "--email", "nobody@example.com"])
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no account for nobody@example.com"));

    assert!(
        create_admin(&url, "boss@example.com", "a long admin passphrase")
            .status
            .success()
    );
    let known = paydesk(&url)
        .args(["reset-2fa", "--email", "boss@example.com"])
        .output()
        .unwrap();
    assert!(
        known.status.success(),
        "{}",
        String::from_utf8_lossy(&known.stderr)
    );
    assert!(String::from_utf8_lossy(&known.stdout).contains("had no two-factor sign-in set up"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_key_reseals_every_secret_under_the_new_key() {
    use app::entities::two_factor;
    use app::platform::secrets::SecretKey;
    use sea_orm::{ActiveValue::Set, EntityTrait};

    let (dir, url) = temp_database();
    let old = SecretKey::generate();
    let db = paydesk_server::startup::connect_and_migrate(&url)
        .await
        .unwrap();
    let now = chrono::Utc::now();
    let owner = app::auth::service::create_admin(
        &db,
        now,
        "boss@example.com",
        "Boss",
        "a long admin passphrase",
        app::auth::TeamRole::Owner,
    )
    .await
    .unwrap();
    two_factor::Entity::insert(two_factor::ActiveModel {
        user_id: Set(owner.id),
        secret: Set(old.seal(&format!("totp:{}", owner.id), b"twenty secret bytes!")),
        confirmed_at: Set(Some(now)),
        last_step: Set(0),
        created_at: Set(now),
    })
    .exec_without_returning(&db)
    .await
    .unwrap();

    let new_file = dir.path().join("new.key");
    let output = paydesk(&url)
        .env("PAYDESK_SECRET_KEY", old.to_base64())
        .args(["rotate-key", "--new-key-file"])
        .arg(&new_file)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Re-sealed 1 values"));

    let new = SecretKey::load_or_create(&new_file).unwrap();
    assert_ne!(new.id(), old.id());
    let row = two_factor::Entity::find_by_id(owner.id)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let purpose = format!("totp:{}", owner.id);
    assert_eq!(
        new.open(&purpose, &row.secret).unwrap(),
        b"twenty secret bytes!"
    );
    assert!(
        old.open(&purpose, &row.secret).is_err(),
        "the old key opens nothing now"
    );

    // A second rotation into the same file is refused: a key is never overwritten.
    let again = paydesk(&url)
        .env("PAYDESK_SECRET_KEY", new.to_base64())
        .args(["rotate-key", "--new-key-file"])
        .arg(&new_file)
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}
