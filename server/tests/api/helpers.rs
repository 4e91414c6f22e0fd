use std::{ops::Deref, sync::Arc};

use app::auth::{TeamRole, UserView};
use app::platform::{AppState, Clock, Settings};
use chrono::{DateTime, Utc};
use paydesk_server::startup;
use reqwest::{cookie::CookieStore, cookie::Jar, header, StatusCode, Url};
use sea_orm::{ConnectionTrait, Database, Statement};

/// Where a test's database lives, and how it is removed afterwards.
pub enum TestDb {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let TestDb::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; the database is dropped
            // from a thread with a runtime of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(admin) = Database::connect(&admin_url).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                }
            })
            .join();
        }
    }
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let prefix = base.rsplit_once('/').map_or(base, |(prefix, _)| prefix);
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

fn random_suffix() -> String {
    let mut suffix = [0u8; 8];
    rand::fill(&mut suffix);
    suffix.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the migrations are: a digest of every file of the migrations
/// crate, so a template made from other migrations is never used.
fn migrations_key() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/src");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the migrations crate sits beside the server")
        .filter_map(Result::ok)
        .map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            (name, text)
        })
        .collect();
    files.sort();
    let parts: Vec<&str> = files
        .iter()
        .flat_map(|(name, text)| [name.as_str(), text.as_str()])
        .collect();
    app::ledger::idempotency::fingerprint(&parts)[..16].to_owned()
}

/// A PostgreSQL database with every migration applied, made once for all
/// test processes (nextest runs each test in its own) and copied for each
/// test: `CREATE DATABASE ... TEMPLATE` takes a fraction of migrating.
/// Made under a scratch name and renamed into place, so processes racing
/// to make it end with one; templates of older migrations are dropped.
async fn template_database(admin: &sea_orm::DatabaseConnection, admin_url: &str) -> String {
    let name = format!("paydesk_template_{}", migrations_key());
    let exists = |name: String| async move {
        admin
            .query_one_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT 1 FROM pg_database WHERE datname = $1",
                [name.into()],
            ))
            .await
            .expect("list databases")
            .is_some()
    };
    if exists(name.clone()).await {
        return name;
    }
    let scratch = format!("paydesk_tmpl_{}", random_suffix());
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{scratch}\""))
        .await
        .expect("create a template database");
    let migrated = startup::connect_and_migrate(&with_database(admin_url, &scratch))
        .await
        .expect("migrate the template");
    migrated.close().await.expect("close the template");
    let renamed = admin
        .execute_unprepared(&format!(
            "ALTER DATABASE \"{scratch}\" RENAME TO \"{name}\""
        ))
        .await;
    if renamed.is_err() {
        // Another process made it first: use theirs.
        let _ = admin
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{scratch}\""))
            .await;
    } else {
        let old = admin
            .query_all_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Postgres,
                "SELECT datname FROM pg_database WHERE datname LIKE 'paydesk_template_%' AND datname <> $1",
                [name.clone().into()],
            ))
            .await
            .unwrap_or_default();
        for row in old {
            if let Ok(stale) = row.try_get_by_index::<String>(0) {
                let _ = admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{stale}\""))
                    .await;
            }
        }
    }
    assert!(exists(name.clone()).await, "the template {name} exists");
    name
}

/// A fresh database for `spawn_app`, copied from the migrated template
/// (`connect_and_migrate` then finds nothing to do).
pub async fn fresh_database(force_sqlite: bool) -> (String, TestDb) {
    database(force_sqlite, true).await
}

/// A fresh database with nothing in it (for tests of the migrations).
pub async fn empty_database() -> (String, TestDb) {
    database(false, false).await
}

async fn database(force_sqlite: bool, migrated: bool) -> (String, TestDb) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !force_sqlite && !admin_url.is_empty() => {
            let name = format!("paydesk_test_{}", random_suffix());
            let admin = Database::connect(&admin_url)
                .await
                .expect("TEST_DATABASE_URL must point at a reachable PostgreSQL");
            // PAYDESK_TEST_TEMPLATE=off migrates every database instead,
            // to measure what the template saves (README).
            let templated = std::env::var("PAYDESK_TEST_TEMPLATE").map_or(true, |v| v != "off");
            let create = if migrated && templated {
                let template = template_database(&admin, &admin_url).await;
                format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"")
            } else {
                format!("CREATE DATABASE \"{name}\"")
            };
            admin
                .execute_unprepared(&create)
                .await
                .expect("create the test database");
            (
                with_database(&admin_url, &name),
                TestDb::Postgres { admin_url, name },
            )
        }
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}/paydesk.db?mode=rwc", dir.path().display());
            (url, TestDb::Sqlite(dir))
        }
    }
}

pub fn start_of_test_time() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-03-02T09:00:00Z")
        .expect("valid timestamp")
        .with_timezone(&Utc)
}

pub struct TestApp {
    pub address: String,
    pub state: AppState,
    pub clock: Clock,
    pub browser: Browser,
    database_url: String,
    _db: TestDb,
}

/// Another app instance on a test app's database, as behind a load balancer.
pub struct Instance {
    pub address: String,
    db: sea_orm::DatabaseConnection,
    /// Ends when the instance has shut down.
    pub served: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Instance {
    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.address, self.db.clone())
    }
}

impl Deref for TestApp {
    type Target = Browser;
    fn deref(&self) -> &Browser {
        &self.browser
    }
}

/// Returns once the server answers: its router is built. Starting a
/// server renders the app once to list its routes, and while that runs
/// Leptos holds every resource in the process (a global switch), so a page
/// that another server in this test process renders meanwhile would wait
/// forever. The listener is bound already, so this one request simply
/// waits for the server, with no polling.
async fn wait_until_serving(address: &str) {
    let answer = reqwest::get(format!("{address}/healthz"))
        .await
        .expect("the test server answers");
    assert!(answer.status().is_success(), "{}", answer.status());
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(Settings::default(), false).await
}

pub async fn spawn_sqlite_app() -> TestApp {
    spawn_app_with(Settings::default(), true).await
}

pub async fn spawn_app_with(settings: Settings, force_sqlite: bool) -> TestApp {
    let (url, guard) = fresh_database(force_sqlite).await;
    let db = startup::connect_and_migrate(&url).await.expect("migrate");
    let database_url = url.clone();
    let clock = Clock::manual(start_of_test_time());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let mut options = startup::leptos_options();
    options.site_addr = addr;
    let state = startup::app_state(db, settings, clock.clone(), options);
    tokio::spawn(startup::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    let address = format!("http://{addr}");
    wait_until_serving(&address).await;
    TestApp {
        browser: Browser::new(&address, state.db.clone()),
        address,
        state,
        clock,
        database_url,
        _db: guard,
    }
}

impl TestApp {
    /// Starts another instance on this app's database (its own pool, state
    /// and live relay, sharing the clock), serving until `shutdown` resolves.
    pub async fn instance(
        &self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Instance {
        self.instance_with((*self.state.settings).clone(), shutdown)
            .await
    }

    /// Another instance with settings of its own (e.g. an SMTP server).
    pub async fn instance_with(
        &self,
        settings: Settings,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> Instance {
        let db = startup::connect_and_migrate(&self.database_url)
            .await
            .expect("connect");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("local addr");
        let mut options = startup::leptos_options();
        options.site_addr = addr;
        let state = startup::app_state(db.clone(), settings, self.clock.clone(), options);
        let served = tokio::spawn(startup::serve(listener, state, shutdown));
        let address = format!("http://{addr}");
        wait_until_serving(&address).await;
        Instance {
            address,
            db,
            served,
        }
    }

    /// Another browser with its own cookies.
    pub fn new_browser(&self) -> Browser {
        Browser::new(&self.address, self.state.db.clone())
    }

    /// Another browser that names itself with this user agent.
    pub fn new_browser_as(&self, user_agent: &str) -> Browser {
        let mut browser = self.new_browser();
        browser.client = reqwest::Client::builder()
            .cookie_provider(browser.jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(user_agent)
            .build()
            .expect("client");
        browser
    }

    /// An owner, as `paydesk create-admin` makes one.
    pub async fn create_admin(&self, user: &TestUser) -> UserView {
        self.create_team_member(user, TeamRole::Owner).await
    }

    /// An admin with the given role on the team.
    pub async fn create_team_member(&self, user: &TestUser, role: TeamRole) -> UserView {
        app::auth::service::create_admin(
            &self.state.db,
            self.clock.now(),
            &user.email,
            &user.name,
            &user.password,
            role,
        )
        .await
        .expect("create admin")
    }

    /// An admin with `role`, signed in in a browser of their own.
    pub async fn signed_in_team_member(&self, role: TeamRole) -> TestAdmin {
        let user = TestUser::generate();
        let view = self.create_team_member(&user, role).await;
        let browser = self.new_browser();
        let answer = browser.log_in(&user.email, &user.password).await;
        let status = answer.status();
        assert!(
            status.is_success() || status.is_redirection(),
            "the new admin signs in: {status}"
        );
        TestAdmin { view, browser }
    }

    /// Another administrator, made as `paydesk create-admin` makes one,
    /// signed in in a browser of their own.
    pub async fn signed_in_admin(&self) -> TestAdmin {
        self.signed_in_team_member(TeamRole::Owner).await
    }

    /// The token of the latest link of this kind (`email.confirm`,
    /// `team.invite`, ...) to the address, read from the outbox before
    /// delivery (no SMTP server: the row keeps it).
    pub async fn link_token(&self, email: &str, kind: &str) -> String {
        use app::entities::{outbox_message, user};
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        let owner = user::Entity::find()
            .filter(user::Column::Email.eq(email.trim().to_lowercase()))
            .one(&self.state.db)
            .await
            .unwrap()
            .expect("an account for the address");
        let row = outbox_message::Entity::find()
            .filter(outbox_message::Column::RecipientUserId.eq(owner.id))
            .filter(outbox_message::Column::Kind.eq(kind))
            .order_by_desc(outbox_message::Column::Id)
            .one(&self.state.db)
            .await
            .unwrap()
            .expect("a link in the outbox");
        let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
        payload["token"].as_str().unwrap().to_owned()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        let backend = self.state.db.get_database_backend();
        let row = self
            .state
            .db
            .query_one_raw(Statement::from_string(backend, sql.to_owned()))
            .await
            .expect("query")
            .expect("a row");
        row.try_get_by_index::<i64>(0).expect("a count")
    }
}

/// One browser: a cookie jar and the methods a page would call.
pub struct Browser {
    pub address: String,
    pub jar: Arc<Jar>,
    pub client: reqwest::Client,
    /// The app's database, for the one shortcut a browser takes: the
    /// confirmation of an address it signed up with (the link's own flow
    /// is tested in `confirmation.rs`).
    db: sea_orm::DatabaseConnection,
}

#[derive(Clone, Debug)]
pub struct TestUser {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// An administrator of a test app with their own signed-in browser.
pub struct TestAdmin {
    pub view: UserView,
    pub browser: Browser,
}

impl Deref for TestAdmin {
    type Target = Browser;
    fn deref(&self) -> &Browser {
        &self.browser
    }
}

impl TestUser {
    pub fn generate() -> Self {
        let mut id = [0u8; 6];
        rand::fill(&mut id);
        let id: String = id.iter().map(|b| format!("{b:02x}")).collect();
        Self {
            email: format!("member-{id}@example.com"),
            name: format!("Member {id}"),
            password: format!("long enough {id}"),
        }
    }
}

impl Browser {
    fn new(address: &str, db: sea_orm::DatabaseConnection) -> Self {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            address: address.to_owned(),
            jar,
            client,
            db,
        }
    }

    fn url(&self) -> Url {
        self.address.parse().expect("url")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        let header = self.jar.cookies(&self.url())?;
        header
            .to_str()
            .ok()?
            .split(';')
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.to_owned())
    }

    pub fn session_token(&self) -> Option<String> {
        self.cookie("paydesk_session")
    }

    /// The CSRF token a rendered page would carry (visiting a page first if needed).
    pub async fn csrf_token(&self) -> String {
        if let Some(token) = self.cookie("paydesk_csrf") {
            return token;
        }
        let page = self.get("/").await;
        assert_eq!(page.status(), StatusCode::OK);
        self.cookie("paydesk_csrf")
            .expect("the first page sets a CSRF cookie")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("GET")
    }

    /// A same-origin form post, as a page's form sends it.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut body: Vec<(&str, &str)> = fields.to_vec();
        body.push(("csrf_token", &token));
        self.client
            .post(format!("{}{path}", self.address))
            .header(header::ORIGIN, &self.address)
            .form(&body)
            .send()
            .await
            .expect("POST form")
    }

    /// A same-origin JSON call, as the hydrated app makes for reads.
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header(header::ORIGIN, &self.address)
            .json(&body)
            .send()
            .await
            .expect("POST json")
    }

    /// A member as most tests need one: signed up through the form, the
    /// address confirmed, signed in. Answers the sign-in (the sign-up's
    /// answer when the form refused it).
    pub async fn sign_up(&self, user: &TestUser) -> reqwest::Response {
        let answer = self.sign_up_form(user).await;
        if answer.status() != StatusCode::OK {
            return answer;
        }
        self.confirm_address(&user.email).await;
        self.log_in(&user.email, &user.password).await
    }

    /// Marks the address confirmed, as its owner's link would.
    pub async fn confirm_address(&self, email: &str) {
        use app::entities::user;
        use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
        user::Entity::update_many()
            .col_expr(
                user::Column::EmailConfirmedAt,
                Expr::col(user::Column::CreatedAt),
            )
            .filter(user::Column::Email.eq(email.to_lowercase()))
            .filter(user::Column::EmailConfirmedAt.is_null())
            .exec(&self.db)
            .await
            .expect("confirm the address");
    }

    /// The sign-up form alone: nobody is signed in, the address waits for
    /// its link.
    pub async fn sign_up_form(&self, user: &TestUser) -> reqwest::Response {
        self.post_form(
            "/api/auth/signup",
            &[
                ("email", &user.email),
                ("display_name", &user.name),
                ("password", &user.password),
            ],
        )
        .await
    }

    pub async fn log_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form(
            "/api/auth/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn log_out(&self) -> reqwest::Response {
        self.post_form("/api/auth/logout", &[]).await
    }

    pub async fn me(&self) -> Option<UserView> {
        let response = self.post_json("/api/auth/me", serde_json::json!({})).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("me() answers JSON")
    }

    pub async fn admin_overview(&self) -> reqwest::Response {
        self.post_json("/api/admin/overview", serde_json::json!({}))
            .await
    }
}

/// The error a server function answered with.
pub async fn error_of(response: reqwest::Response) -> (StatusCode, app::error::AppError) {
    let status = response.status();
    let error = response.json().await.expect("an AppError body");
    (status, error)
}
