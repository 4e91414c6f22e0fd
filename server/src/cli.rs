//! The `paydesk` commands.

use std::io::{BufRead, IsTerminal};

use crate::config::{
    AdjustArgs, Cli, Command, CreateAdminArgs, LogFormat, ResetTwoFactorArgs, RotateKeyArgs,
    ServeArgs,
};
use crate::startup;
use app::platform::Clock;

pub fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // Logs go to stderr; stdout carries what a command has to say to its user.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Pretty => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

pub async fn run(mut cli: Cli) -> anyhow::Result<()> {
    let command = match cli.command.take() {
        Some(command) => command,
        None => Command::Serve(ServeArgs::default_from_env()?),
    };
    match command {
        Command::Serve(args) => serve(&cli, args).await,
        Command::Migrate => {
            startup::connect_and_migrate(&cli.database_url).await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::CreateAdmin(args) => create_admin(&cli.database_url, args).await,
        Command::Verify => verify(&cli.database_url).await,
        Command::Demo => demo(&cli).await,
        Command::Adjust(args) => adjust(&cli.database_url, args).await,
        Command::ResetTwoFactor(args) => reset_two_factor(&cli.database_url, args).await,
        Command::RotateKey(args) => rotate_key(&cli, args).await,
        Command::MailCatcher(args) => crate::mail_catcher::serve(args.smtp, args.http).await,
        Command::PaypalFake(args) => crate::paypal_fake::serve(args.addr).await,
    }
}

async fn adjust(database_url: &str, args: AdjustArgs) -> anyhow::Result<()> {
    use app::auth::{normalize_email, Role};
    use app::entities::user;
    use app::ledger::operations::{self, Direction};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    let db = startup::connect_and_migrate(database_url).await?;
    let find = |email: String, role: Role| {
        let db = db.clone();
        async move {
            let email = normalize_email(&email).map_err(|err| anyhow::anyhow!("{err}"))?;
            user::Entity::find()
                .filter(user::Column::Email.eq(email.clone()))
                .filter(user::Column::Role.eq(role.as_str()))
                .one(&db)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no {} with the email {email}", role.as_str()))
        }
    };
    let admin = find(args.admin, Role::Admin).await?;
    let member = find(args.member, Role::Member).await?;
    let direction = if args.debit {
        Direction::Debit
    } else {
        Direction::Credit
    };
    let key = args
        .key
        .unwrap_or_else(app::withdrawals::queries::fresh_key);
    let entry = operations::adjust_member(
        &db,
        &Clock::System,
        admin.id,
        member.id,
        &args.asset,
        direction,
        &args.amount,
        &args.reason,
        &key,
    )
    .await
    .map_err(|err| anyhow::anyhow!("{err}"))?;
    match entry {
        app::ledger::held::Moved::Done(entry) => println!(
            "{} {} {} for {} (journal entry {entry}).",
            if args.debit { "Debited" } else { "Credited" },
            args.amount,
            args.asset.to_uppercase(),
            member.email
        ),
        // The command line is no way around four-eyes.
        app::ledger::held::Moved::Held(held) => println!(
            "Not applied yet (approval #{}): {}.",
            held.approval_id, held.message
        ),
    }
    Ok(())
}

impl ServeArgs {
    /// `paydesk` with no command serves, with the same environment defaults
    /// as `paydesk serve`.
    fn default_from_env() -> anyhow::Result<ServeArgs> {
        use clap::Parser;
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            serve: ServeArgs,
        }
        Ok(Only::try_parse_from(["paydesk"])?.serve)
    }
}

async fn serve(cli: &Cli, args: ServeArgs) -> anyhow::Result<()> {
    // The key before the database: a server that cannot read what it
    // sealed should not start at all.
    let secret_key = cli.secret_key()?;
    let db = startup::connect_and_migrate(&cli.database_url).await?;
    let sealed = app::verification::service::seal_plain_tax_ids(&db, &secret_key).await?;
    if sealed > 0 {
        tracing::info!(sealed, "sealed tax IDs written before encryption at rest");
    }
    let mut leptos_options = startup::leptos_options();
    leptos_options.site_addr = args.addr;
    let state = startup::app_state(db, args.settings(secret_key), Clock::System, leptos_options);
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", args.addr))?;
    let shutdown = startup::shutdown_signal();
    let backend = app::platform::db::backend_name(&state.db);
    tracing::info!(addr = %args.addr, database = backend, "Paydesk is listening");
    println!("Paydesk is running at http://{}", args.addr);
    println!("Create an administrator with: paydesk create-admin --email you@example.com");
    startup::serve(listener, state, shutdown).await
}

fn read_password(args: &CreateAdminArgs) -> anyhow::Result<String> {
    if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_owned());
    }
    if !std::io::stdin().is_terminal() {
        anyhow::bail!("no terminal to ask for a password: pass --password-stdin and pipe it in");
    }
    let first = rpassword::prompt_password("Password for the new administrator: ")?;
    let second = rpassword::prompt_password("Same password again: ")?;
    if first != second {
        anyhow::bail!("the two passwords differ; nothing was created");
    }
    Ok(first)
}

async fn create_admin(database_url: &str, args: CreateAdminArgs) -> anyhow::Result<()> {
    let password = read_password(&args)?;
    let db = startup::connect_and_migrate(database_url).await?;
    let admin = app::auth::service::create_admin(
        &db,
        Clock::System.now(),
        &args.email,
        &args.name,
        &password,
        args.role.into(),
    )
    .await
    .map_err(|err| anyhow::anyhow!("{err}"))?;
    let role = admin.team_role.map_or("admin", |role| role.label());
    println!(
        "Administrator {} created ({role}). Sign in at /login.",
        admin.email
    );
    Ok(())
}

/// Re-seals every sealed value under a new key, in one transaction: either
/// all of them move to the new key or none do. The new key is written
/// first (a crash after the commit must not lose it).
async fn rotate_key(cli: &Cli, args: RotateKeyArgs) -> anyhow::Result<()> {
    if args.new_key_file.exists() {
        anyhow::bail!(
            "{} already exists: name a new file for the new key",
            args.new_key_file.display()
        );
    }
    let old = cli.secret_key()?;
    let new = app::platform::secrets::SecretKey::load_or_create(&args.new_key_file)
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let db = startup::connect_and_migrate(&cli.database_url).await?;
    let txn = app::platform::db::begin_write(&db).await?;
    let resealed = app::auth::two_factor::reseal(&txn, &old, &new)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?
        + app::verification::service::reseal_tax_ids(&txn, &old, &new).await?;
    txn.commit().await?;
    println!(
        "Re-sealed {resealed} values under key {} (was {}). The new key is in {}: \
         point PAYDESK_SECRET_KEY_FILE at it (or put its contents in PAYDESK_SECRET_KEY), \
         restart, back it up, then destroy the old key.",
        new.id(),
        old.id(),
        args.new_key_file.display()
    );
    Ok(())
}

/// For an admin who lost both their phone and their recovery codes: run on
/// the server by whoever runs it, audited.
async fn reset_two_factor(database_url: &str, args: ResetTwoFactorArgs) -> anyhow::Result<()> {
    let db = startup::connect_and_migrate(database_url).await?;
    let had = app::auth::two_factor::reset(&db, Clock::System.now(), &args.email)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    if had {
        println!(
            "Two-factor sign-in is off for {}, and every session of theirs has ended. \
             They sign in with their password and set it up again.",
            args.email.trim()
        );
    } else {
        println!(
            "{} had no two-factor sign-in set up; their sessions have ended.",
            args.email.trim()
        );
    }
    Ok(())
}

async fn verify(database_url: &str) -> anyhow::Result<()> {
    let db = startup::connect_and_migrate(database_url).await?;
    let report = app::integrity::verify(&db).await?;
    println!(
        "Checked {} wallets, {} transfers, {} assets, {} withdrawal requests.",
        report.wallets, report.transfers, report.assets, report.requests
    );
    if report.is_clean() {
        println!(
            "Ledger OK: balances match their transfers, every asset sums to zero, holds are exact."
        );
        return Ok(());
    }
    for violation in &report.violations {
        println!("VIOLATION: {violation}");
    }
    anyhow::bail!("{} ledger invariant violation(s)", report.violations.len())
}

async fn demo(cli: &Cli) -> anyhow::Result<()> {
    let key = cli.secret_key()?;
    let db = startup::connect_and_migrate(&cli.database_url).await?;
    let logins = crate::demo::fill(&db, &Clock::System, &key).await?;
    println!("Demo data created.");
    println!(
        "  admin:   {} / {}",
        logins.admin,
        crate::demo::ADMIN_PASSWORD
    );
    for member in &logins.members {
        println!("  member:  {member} / {}", crate::demo::MEMBER_PASSWORD);
    }
    Ok(())
}
