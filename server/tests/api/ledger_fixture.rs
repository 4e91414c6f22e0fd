//! A small desk for ledger tests: USD, JPY and GEMS (10 GEMS = 1.00 USD),
//! every method enabled with a 1.00 minimum, and members with money.

use crate::helpers::{Browser, TestApp};
use app::auth::{service as auth, Role};
use app::entities::{asset, wallet};
use app::incentives::service::{self as incentives, Origin};
use app::incentives::{IncentiveAction, IncentiveInput, IncentiveSource};
use app::ledger::money::{AssetKind, Rate};
use app::ledger::service as ledger;
use app::payout_details::{method::PayoutMethod, service as payout_details, DetailsInput};
use app::platform::db;
use app::withdrawals::{
    rules,
    service::{
        self as withdrawals, Actor, AmountRequest, EventDetails, NewWithdrawal, WithdrawalError,
    },
    WithdrawalAction, WithdrawalView,
};
use sea_orm::EntityTrait;

pub struct Desk {
    pub usd: asset::Model,
    pub jpy: asset::Model,
    pub gems: asset::Model,
    pub admin: Actor,
}

pub async fn desk(app: &TestApp) -> Desk {
    let now = app.clock.now();
    let admin = auth::create_account(
        &app.state.db,
        now,
        auth::NewUser {
            email: ADMIN_EMAIL,
            display_name: "Boss",
            password: ADMIN_PASSWORD,
            role: Role::Admin,
            team_role: Some(app::auth::TeamRole::Owner),
        },
        "test",
    )
    .await
    .unwrap();
    let txn = db::begin_write(&app.state.db).await.unwrap();
    let usd = ledger::ensure_asset(&txn, now, "USD", AssetKind::Currency, 2, "US dollar")
        .await
        .unwrap();
    let jpy = ledger::ensure_asset(&txn, now, "JPY", AssetKind::Currency, 0, "Yen")
        .await
        .unwrap();
    let gems = ledger::ensure_asset(&txn, now, "GEMS", AssetKind::Points, 0, "Gems")
        .await
        .unwrap();
    ledger::set_rate(
        &txn,
        now,
        gems.id,
        usd.id,
        Rate {
            points: 10,
            money_minor: 100,
        },
        None,
    )
    .await
    .unwrap();
    rules::enable_default_methods(&txn, usd.id, 2)
        .await
        .unwrap();
    rules::enable_default_methods(&txn, jpy.id, 0)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    Desk {
        usd,
        jpy,
        gems,
        admin: Actor {
            user_id: admin.id,
            role: Role::Admin,
        },
    }
}

pub struct Member {
    pub actor: Actor,
    pub email: String,
}

/// The passwords the desk's people sign in with.
const ADMIN_EMAIL: &str = "boss@example.com";
pub const ADMIN_PASSWORD: &str = "boss passphrase";
const MEMBER_PASSWORD: &str = "member passphrase";

/// A browser signed in with `email`, for the HTTP side of a desk test.
async fn signed_in(app: &TestApp, email: &str, password: &str) -> Browser {
    let browser = app.new_browser();
    let answer = browser.log_in(email, password).await;
    let status = answer.status();
    assert!(
        status.is_success() || status.is_redirection(),
        "{email} signs in: {status}"
    );
    browser
}

/// The desk's administrator (see `desk`) in a browser of their own.
pub async fn admin_browser(app: &TestApp) -> Browser {
    signed_in(app, ADMIN_EMAIL, ADMIN_PASSWORD).await
}

impl Member {
    /// A member account made some other way (signed up over HTTP, say).
    pub fn new(user_id: i64, email: impl Into<String>) -> Self {
        Member {
            actor: Actor {
                user_id,
                role: Role::Member,
            },
            email: email.into(),
        }
    }

    /// A browser of the member's own, signed in.
    pub async fn browser(&self, app: &TestApp) -> Browser {
        signed_in(app, &self.email, MEMBER_PASSWORD).await
    }
}

impl Desk {
    pub async fn member(&self, app: &TestApp, name: &str) -> Member {
        let email = format!("{name}@example.com");
        let user = auth::create_account(
            &app.state.db,
            app.clock.now(),
            auth::NewUser {
                email: &email,
                display_name: name,
                password: MEMBER_PASSWORD,
                role: Role::Member,
                team_role: None,
            },
            "test",
        )
        .await
        .unwrap();
        // Details for every method, so requests are refused only by the rule under test.
        for (method, details) in all_details(&email) {
            payout_details::save(
                &app.state.db,
                &app.clock,
                user.id,
                method,
                &details,
                method == PayoutMethod::Paypal,
                None,
            )
            .await
            .unwrap();
        }
        Member {
            actor: Actor {
                user_id: user.id,
                role: Role::Member,
            },
            email,
        }
    }

    /// Credits a member's wallet in an asset (an adjustment), returning the wallet.
    pub async fn credit(
        &self,
        app: &TestApp,
        member: &Member,
        asset: &asset::Model,
        amount: i64,
    ) -> wallet::Model {
        let now = app.clock.now();
        let txn = db::begin_write(&app.state.db).await.unwrap();
        let wallet = ledger::member_wallet(&txn, now, member.actor.user_id, asset.id)
            .await
            .unwrap();
        ledger::adjust_member(
            &txn,
            now,
            &wallet,
            amount,
            "test credit",
            Some(self.admin.user_id),
        )
        .await
        .unwrap();
        txn.commit().await.unwrap();
        wallet
    }
}

/// Valid details for each method.
pub fn all_details(email: &str) -> Vec<(PayoutMethod, DetailsInput)> {
    vec![
        (
            PayoutMethod::Paypal,
            DetailsInput {
                email: email.to_owned(),
                ..DetailsInput::default()
            },
        ),
        (
            PayoutMethod::Bank,
            DetailsInput {
                holder_name: "Test Member".into(),
                iban: "DE89 3704 0044 0532 0130 00".into(),
                bic: "DEUTDEFF".into(),
                bank_name: "Deutsche Bank".into(),
                country: "DE".into(),
                ..DetailsInput::default()
            },
        ),
        (
            PayoutMethod::Crypto,
            DetailsInput {
                network: "ethereum".into(),
                address: "0x52908400098527886E0F7030069857D2E4169EE7".into(),
                ..DetailsInput::default()
            },
        ),
        (
            PayoutMethod::GiftCard,
            DetailsInput {
                brand: "Amazon".into(),
                email: email.to_owned(),
                ..DetailsInput::default()
            },
        ),
    ]
}

pub async fn balance(app: &TestApp, wallet_id: i64) -> i64 {
    wallet::Entity::find_by_id(wallet_id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
        .balance
}

pub async fn request(
    app: &TestApp,
    member: &Member,
    wallet_id: i64,
    method: &str,
    amount: &str,
    key: &str,
) -> Result<WithdrawalView, WithdrawalError> {
    let amount = if amount == "max" {
        AmountRequest::Max
    } else {
        AmountRequest::Exact(amount.to_owned())
    };
    withdrawals::request_withdrawal(
        &app.state.db,
        &app.clock,
        NewWithdrawal {
            member_user_id: member.actor.user_id,
            wallet_id,
            method,
            amount,
            idempotency_key: key,
        },
    )
    .await
}

pub async fn act(
    app: &TestApp,
    actor: Actor,
    request_id: i64,
    action: WithdrawalAction,
    key: &str,
) -> Result<WithdrawalView, WithdrawalError> {
    withdrawals::change_status(
        &app.state.db,
        &app.clock,
        actor,
        request_id,
        action,
        EventDetails::default(),
        key,
    )
    .await
}

pub async fn assert_ledger_clean(app: &TestApp) {
    let report = app::integrity::verify(&app.state.db).await.unwrap();
    assert!(
        report.is_clean(),
        "ledger violations: {:#?}",
        report.violations
    );
}

pub fn key() -> String {
    let mut bytes = [0u8; 12];
    rand::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `n` verified members written in bulk (signing each up would take
/// minutes), who never sign in: their ids and emails, in id order.
pub async fn bulk_members(
    txn: &sea_orm::DatabaseTransaction,
    now: chrono::DateTime<chrono::Utc>,
    n: usize,
) -> Vec<(i64, String)> {
    use app::entities::user;
    use sea_orm::{ActiveValue::Set, ColumnTrait, QueryFilter, QueryOrder, QuerySelect};

    let numbers: Vec<usize> = (0..n).collect();
    for chunk in numbers.chunks(500) {
        user::Entity::insert_many(chunk.iter().map(|i| user::ActiveModel {
            email: Set(format!("bulk{i}@example.com")),
            display_name: Set(format!("Bulk member {i}")),
            // Never signs in.
            password_hash: Set("!".into()),
            role: Set("member".into()),
            is_active: Set(true),
            is_verified: Set(true),
            created_at: Set(now),
            email_confirmed_at: Set(Some(now)),
            ..Default::default()
        }))
        .exec_without_returning(txn)
        .await
        .unwrap();
    }
    user::Entity::find()
        .filter(user::Column::Email.starts_with("bulk"))
        .select_only()
        .column(user::Column::Id)
        .column(user::Column::Email)
        .order_by_asc(user::Column::Id)
        .into_tuple()
        .all(txn)
        .await
        .unwrap()
}

/// Ada (USD, PayPal), Bob (USD, bank) and Cy (JPY) with requests; returns
/// the ids in creation order.
pub async fn some_requests(app: &TestApp, desk: &Desk) -> Vec<i64> {
    let ada = desk.member(app, "ada").await;
    let bob = desk.member(app, "bob").await;
    let cy = desk.member(app, "cy").await;
    let ada_usd = desk.credit(app, &ada, &desk.usd, 100_000).await.id;
    let bob_usd = desk.credit(app, &bob, &desk.usd, 100_000).await.id;
    let cy_jpy = desk.credit(app, &cy, &desk.jpy, 100_000).await.id;
    let mut out = Vec::new();
    for (member, wallet, method, amount) in [
        (&ada, ada_usd, "paypal", "10"),
        (&ada, ada_usd, "paypal", "30"),
        (&bob, bob_usd, "bank", "20"),
        (&bob, bob_usd, "bank", "50"),
        (&cy, cy_jpy, "paypal", "5000"),
    ] {
        let view = request(app, member, wallet, method, amount, &key())
            .await
            .unwrap();
        out.push(view.id);
        app.clock.advance(chrono::Duration::days(1));
    }
    out
}

/// A USD funding wallet holding `amount`, deposited through the ledger.
pub async fn funding_wallet(app: &TestApp, desk: &Desk, name: &str, amount: i64) -> wallet::Model {
    let now = app.clock.now();
    let txn = db::begin_write(&app.state.db).await.unwrap();
    let wallet = ledger::create_funding_wallet(&txn, now, name, desk.usd.id)
        .await
        .unwrap();
    ledger::record_deposit(&txn, now, &wallet, amount, None, None)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    wallet::Entity::find_by_id(wallet.id)
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap()
}

/// Pending USD incentives for `who@example.com`, one per amount (minor units).
pub async fn pending_incentives(
    app: &TestApp,
    desk: &Desk,
    who: &str,
    amounts: &[i64],
) -> Vec<i64> {
    let mut ids = Vec::new();
    for amount in amounts {
        let created = incentives::create(
            &app.state.db,
            &app.clock,
            Origin {
                source: IncentiveSource::Manual,
                api_key_id: None,
                admin_user_id: Some(desk.admin.user_id),
            },
            &IncentiveInput {
                member_email: format!("{who}@example.com"),
                member_name: None,
                program: "SPIFF".into(),
                asset: "USD".into(),
                amount: format!("{}.{:02}", amount / 100, amount % 100),
                description: "Deal".into(),
                external_id: None,
            },
        )
        .await
        .unwrap();
        match created {
            incentives::Created::New(view) => ids.push(view.id),
            other => panic!("{other:?}"),
        }
    }
    ids
}

/// Approves or rejects incentives as the desk's admin, through the service.
pub async fn decide_incentives(
    app: &TestApp,
    desk: &Desk,
    ids: &[i64],
    action: IncentiveAction,
    note: &str,
) -> app::ui::BulkOutcome {
    incentives::decide(
        &app.state.db,
        &app.clock,
        desk.admin.user_id,
        ids,
        action,
        note,
        None,
    )
    .await
    .unwrap()
}
