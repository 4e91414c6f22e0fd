//! `paydesk demo`: realistic demo data in an empty database, so the app can
//! be explored: members with wallets in two currencies and a point type,
//! funding wallets, and withdrawal requests in every status.

use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use app::auth::{service as auth, Role};
use app::entities::user;
use app::ledger::money::{AssetKind, Rate};
use app::ledger::service as ledger;
use app::payout_details::method::PayoutMethod;
use app::payout_details::{service as payout_details, DetailsInput};
use app::platform::{db, Clock};
use app::verification::{service as verification, VerificationInput};
use app::withdrawals::{
    queries,
    rules::{self, MethodRule},
    service::{self as withdrawals, Actor, AmountRequest, EventDetails, NewWithdrawal},
    WithdrawalAction,
};

pub const ADMIN_EMAIL: &str = "admin@paydesk.demo";
pub const ADMIN_PASSWORD: &str = "demo admin passphrase";
pub const MEMBER_PASSWORD: &str = "demo member passphrase";

const MEMBERS: [(&str, &str); 6] = [
    ("ada@paydesk.demo", "Ada Lovelace"),
    ("grace@paydesk.demo", "Grace Hopper"),
    ("alan@paydesk.demo", "Alan Turing"),
    ("katherine@paydesk.demo", "Katherine Johnson"),
    ("edsger@paydesk.demo", "Edsger Dijkstra"),
    ("barbara@paydesk.demo", "Barbara Liskov"),
];

pub struct DemoLogins {
    pub admin: String,
    pub members: Vec<String>,
}

pub async fn fill(
    db: &DatabaseConnection,
    clock: &Clock,
    key: &app::platform::secrets::SecretKey,
) -> anyhow::Result<DemoLogins> {
    if user::Entity::find().count(db).await? > 0 {
        anyhow::bail!(
            "the database already has accounts; demo data only goes into an empty database \
             (use a fresh DATABASE_URL, e.g. sqlite://data/demo.db?mode=rwc)"
        );
    }
    let now = clock.now();
    let admin = auth::create_admin(
        db,
        now,
        ADMIN_EMAIL,
        "Demo Admin",
        ADMIN_PASSWORD,
        app::auth::TeamRole::Owner,
    )
    .await
    .map_err(|err| anyhow::anyhow!("{err}"))?;
    let admin_actor = Actor {
        user_id: admin.id,
        role: Role::Admin,
    };

    let txn = db::begin_write(db).await?;
    let usd = ledger::ensure_asset(&txn, now, "USD", AssetKind::Currency, 2, "US dollar").await?;
    let eur = ledger::ensure_asset(&txn, now, "EUR", AssetKind::Currency, 2, "Euro").await?;
    let gems = ledger::ensure_asset(&txn, now, "GEMS", AssetKind::Points, 0, "Gems").await?;
    ledger::set_rate(
        &txn,
        now,
        gems.id,
        usd.id,
        Rate {
            points: 10,
            money_minor: 100,
        },
        Some(admin.id),
    )
    .await?;
    for currency in [&usd, &eur] {
        rules::enable_default_methods(&txn, currency.id, 2).await?;
        // PayPal's usual 2.9 % + 0.30, a flat bank fee, a small crypto fee.
        for (method, fixed, basis_points) in [
            (PayoutMethod::Paypal, 30, 290),
            (PayoutMethod::Bank, 100, 0),
            (PayoutMethod::Crypto, 0, 100),
            (PayoutMethod::GiftCard, 0, 0),
        ] {
            rules::put_method_rule(
                &txn,
                MethodRule {
                    max_minor: Some(1_000_000),
                    fee_fixed_minor: fixed,
                    fee_basis_points: basis_points,
                    ..MethodRule::free(method, currency.id, 500)
                },
            )
            .await?;
        }
    }
    app::platform::settings_store::put_setting(
        &txn,
        &rules::verification_threshold_key("USD"),
        "50000",
    )
    .await?;
    app::platform::settings_store::put_setting(
        &txn,
        &rules::verification_threshold_key("EUR"),
        "50000",
    )
    .await?;
    app::platform::settings_store::put_setting(
        &txn,
        queries::CONFIRMATION_MESSAGE,
        "Thank you! Payouts are sent every Tuesday and Friday; you will get an email when yours is on its way.",
    )
    .await?;
    let usd_main = ledger::create_funding_wallet(&txn, now, "USD main", usd.id).await?;
    let eur_main = ledger::create_funding_wallet(&txn, now, "EUR main", eur.id).await?;
    let spiff = ledger::create_funding_wallet(&txn, now, "Q4 SPIFF budget", usd.id).await?;
    ledger::record_deposit(
        &txn,
        now,
        &usd_main,
        5_000_000,
        Some("Opening balance".into()),
        Some(admin.id),
    )
    .await?;
    ledger::record_deposit(
        &txn,
        now,
        &eur_main,
        2_000_000,
        Some("Opening balance".into()),
        Some(admin.id),
    )
    .await?;
    ledger::record_deposit(
        &txn,
        now,
        &spiff,
        1_000_000,
        Some("Q4 SPIFF budget".into()),
        Some(admin.id),
    )
    .await?;
    txn.commit().await?;

    let mut member_ids = Vec::new();
    let mut usd_wallets = Vec::new();
    for (index, (email, name)) in MEMBERS.iter().enumerate() {
        let member = create_member(db, clock, key, admin.id, email, name).await?;
        let txn = db::begin_write(db).await?;
        let usd_wallet = ledger::member_wallet(&txn, now, member, usd.id).await?;
        let eur_wallet = ledger::member_wallet(&txn, now, member, eur.id).await?;
        let gems_wallet = ledger::member_wallet(&txn, now, member, gems.id).await?;
        let step = i64::try_from(index).unwrap_or(0);
        ledger::pay_member_from_funding(
            &txn,
            now,
            &usd_main,
            &usd_wallet,
            25_000 + step * 7_350,
            Some("Referral commissions".into()),
            Some(admin.id),
        )
        .await?;
        ledger::pay_member_from_funding(
            &txn,
            now,
            &spiff,
            &usd_wallet,
            10_000,
            Some("Q4 SPIFF".into()),
            Some(admin.id),
        )
        .await?;
        ledger::pay_member_from_funding(
            &txn,
            now,
            &eur_main,
            &eur_wallet,
            12_000 + step * 2_500,
            Some("Partner bonus".into()),
            Some(admin.id),
        )
        .await?;
        ledger::adjust_member(
            &txn,
            now,
            &gems_wallet,
            800 + step * 150,
            "Gems earned for reviews",
            Some(admin.id),
        )
        .await?;
        txn.commit().await?;
        member_ids.push(member);
        usd_wallets.push(usd_wallet.id);
    }

    // One request in each status: requested stays as it is; the others are
    // moved through the same service an admin uses.
    let paths: [&[WithdrawalAction]; 8] = [
        &[],
        &[WithdrawalAction::Approve],
        &[WithdrawalAction::Approve, WithdrawalAction::MarkProcessing],
        &[
            WithdrawalAction::Approve,
            WithdrawalAction::MarkProcessing,
            WithdrawalAction::MarkPaid,
        ],
        &[WithdrawalAction::Reject],
        &[WithdrawalAction::Cancel],
        &[
            WithdrawalAction::Approve,
            WithdrawalAction::MarkProcessing,
            WithdrawalAction::MarkFailed,
        ],
        &[
            WithdrawalAction::Approve,
            WithdrawalAction::MarkProcessing,
            WithdrawalAction::MarkPaid,
            WithdrawalAction::MarkReturned,
        ],
    ];
    let methods = [
        PayoutMethod::Paypal,
        PayoutMethod::Bank,
        PayoutMethod::Crypto,
        PayoutMethod::GiftCard,
    ];
    for (index, path) in paths.iter().enumerate() {
        let member = member_ids[index % member_ids.len()];
        let request = withdrawals::request_withdrawal(
            db,
            clock,
            NewWithdrawal {
                member_user_id: member,
                wallet_id: usd_wallets[index % usd_wallets.len()],
                method: methods[index % methods.len()].as_str(),
                amount: AmountRequest::Exact(format!("{}.{:02}", 20 + index * 5, index * 7 % 100)),
                idempotency_key: &format!("demo-request-{index}"),
            },
        )
        .await
        .map_err(|err| anyhow::anyhow!("demo request {index}: {err}"))?;
        for (step, action) in path.iter().enumerate() {
            let actor = if *action == WithdrawalAction::Cancel {
                Actor {
                    user_id: member,
                    role: Role::Member,
                }
            } else {
                admin_actor
            };
            let details = match action {
                WithdrawalAction::MarkPaid => EventDetails {
                    note: Some("Thank you for your work this quarter".into()),
                    external_reference: Some(format!("RCPT-{:05}", 10_000 + request.id)),
                    payment_date: Some(now.date_naive().to_string()),
                    ..EventDetails::default()
                },
                WithdrawalAction::Reject => EventDetails {
                    note: Some("Payout details could not be confirmed".into()),
                    ..EventDetails::default()
                },
                WithdrawalAction::MarkFailed => EventDetails {
                    note: Some("The bank refused the transfer".into()),
                    ..EventDetails::default()
                },
                _ => EventDetails::default(),
            };
            withdrawals::change_status(
                db,
                clock,
                actor,
                request.id,
                *action,
                details,
                &format!("demo-{index}-{step}"),
            )
            .await
            .map_err(|err| anyhow::anyhow!("demo request {index}, {action:?}: {err}"))?;
        }
    }

    Ok(DemoLogins {
        admin: ADMIN_EMAIL.to_owned(),
        members: MEMBERS
            .iter()
            .map(|(email, _)| (*email).to_owned())
            .collect(),
    })
}

async fn create_member(
    db: &DatabaseConnection,
    clock: &Clock,
    key: &app::platform::secrets::SecretKey,
    admin_id: i64,
    email: &str,
    name: &str,
) -> anyhow::Result<i64> {
    let new_user = auth::NewUser {
        email,
        display_name: name,
        password: MEMBER_PASSWORD,
        role: Role::Member,
        team_role: None,
    };
    let member = auth::create_account(db, clock.now(), new_user, "created by the demo command")
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    payout_details::save(
        db,
        clock,
        member.id,
        PayoutMethod::Paypal,
        &DetailsInput {
            email: email.to_owned(),
            ..DetailsInput::default()
        },
        true,
        None,
    )
    .await?;
    for (method, details) in [
        (
            PayoutMethod::Bank,
            DetailsInput {
                holder_name: name.to_owned(),
                iban: "GB82 WEST 1234 5698 7654 32".into(),
                bic: "WESTGB2L".into(),
                bank_name: "Westminster Bank".into(),
                country: "GB".into(),
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
    ] {
        payout_details::save(db, clock, member.id, method, &details, false, None).await?;
    }
    if email.starts_with("ada") {
        let (first, last) = name.split_once(' ').unwrap_or((name, ""));
        let submitted = verification::submit(
            db,
            clock,
            key,
            member.id,
            &VerificationInput {
                first_name: first.to_owned(),
                last_name: last.to_owned(),
                tax_id: "AB123456C".into(),
                mobile: "+44 7700 900123".into(),
                country: "GB".into(),
                address: "12 St James's Square, London SW1Y 4LB".into(),
            },
            None,
        )
        .await?;
        let submission = submitted.submission.unwrap_or_default();
        verification::review(db, clock, admin_id, member.id, true, None, &submission).await?;
    }
    Ok(member.id)
}
