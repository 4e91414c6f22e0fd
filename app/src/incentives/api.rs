//! Incentives' server functions for admins (administrators only), and the
//! API keys the earnings API checks.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use super::{IncentiveList, IncentiveQuery};
use crate::error::AppError;
use crate::ui::BulkOutcome;
use crate::ui::CsrfClient;

#[cfg(feature = "ssr")]
fn parse_ids(text: &str) -> Result<Vec<i64>, AppError> {
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| AppError::invalid(format!("\"{part}\" is not an incentive number")))
        })
        .collect()
}

/// One page of incentives with the count and totals of all matching.
#[server(endpoint = "admin/incentives/list", input = Json)]
pub async fn list_incentives(query: IncentiveQuery) -> Result<IncentiveList, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::Read).await?;
    let state = app_state()?;
    let mut list = super::service::list(&state.db, &query).await?;
    list.can_decide = admin.can(Permission::DecideIncentives);
    list.can_pay = admin.can(Permission::PayIncentives);
    Ok(list)
}

/// Approves or rejects incentives: `ids` comma-separated, or every one
/// matching `query` when `all_matching` is "true". A note is needed to reject.
#[server(endpoint = "admin/incentives/decide", input = Json)]
pub async fn decide_incentives(
    ids: String,
    #[server(default)] all_matching: bool,
    #[server(default)] query: IncentiveQuery,
    action: super::IncentiveDecision,
    #[server(default)] note: String,
) -> Result<BulkOutcome, AppError> {
    use super::IncentiveAction;
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::DecideIncentives).await?;
    let state = app_state()?;
    let action = match action {
        super::IncentiveDecision::Approve => IncentiveAction::Approve,
        super::IncentiveDecision::Reject => IncentiveAction::Reject,
    };
    let ids = if all_matching {
        super::service::matching_ids(&state.db, &query).await?
    } else {
        parse_ids(&ids)?
    };
    Ok(super::service::decide(
        &state.db,
        &state.clock,
        admin.id,
        &ids,
        action,
        &note,
        request_meta().ip,
    )
    .await?)
}

/// Make Payment: pays the approved incentives among `ids` from one funding
/// wallet. The same `idempotency_key` twice pays once.
#[server(endpoint = "admin/incentives/pay", input = Json)]
pub async fn pay_incentives(
    ids: Vec<i64>,
    #[server(default)] all_matching: bool,
    #[server(default)] query: IncentiveQuery,
    funding_wallet_id: i64,
    description: String,
    idempotency_key: String,
) -> Result<super::PaymentOutcome, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::PayIncentives).await?;
    let state = app_state()?;
    crate::auth::step_up::require(&state, admin.id).await?;
    let ids = if all_matching {
        super::service::matching_ids(&state.db, &query).await?
    } else {
        ids
    };
    Ok(super::service::make_payment(
        &state.db,
        &state.clock,
        admin.id,
        &super::service::PaymentInput {
            ids,
            funding_wallet_id,
            description,
            idempotency_key,
        },
        request_meta().ip,
    )
    .await?)
}

/// The funding wallets Make Payment can pay from, with their balances.
#[server(endpoint = "admin/incentives/wallets", input = Json)]
pub async fn payment_wallets() -> Result<Vec<crate::ledger::statement::StatementWallet>, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(crate::funding::service::wallets(&state.db).await?)
}

/// Every API key (never the keys themselves), and whether unknown member
/// emails invite the member.
#[server(endpoint = "admin/api-keys/list", input = Json)]
pub async fn list_api_keys() -> Result<super::ApiSettings, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::ApiSettings {
        keys: super::keys::list(&state.db, &state.clock).await?,
        invite_missing: super::service::invite_missing(&state.db).await?,
    })
}

/// Whether an incentive for an unknown email invites that member
/// (`enabled` present) or is refused.
#[server(endpoint = "admin/incentives/invite-missing", client = CsrfClient)]
pub async fn set_invite_missing(enabled: Option<String>) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageApiKeys).await?;
    let state = app_state()?;
    Ok(super::service::set_invite_missing(
        &state.db,
        &state.clock,
        admin.id,
        enabled.is_some(),
        request_meta().ip,
    )
    .await?)
}

/// A new API key: the answer carries the key, the only time it is shown.
#[server(endpoint = "admin/api-keys/create", client = CsrfClient)]
pub async fn create_api_key(
    name: String,
    #[server(default)] expires_in_days: String,
) -> Result<super::NewApiKey, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageApiKeys).await?;
    let state = app_state()?;
    let expires_in_days = match expires_in_days.trim() {
        "" | "never" => None,
        days => Some(
            days.parse::<u32>()
                .map_err(|_| AppError::invalid("Expires: a number of days, or never"))?,
        ),
    };
    let (key, secret) = super::keys::create(
        &state.db,
        &state.clock,
        admin.id,
        &name,
        expires_in_days,
        request_meta().ip,
    )
    .await?;
    Ok(super::NewApiKey { key, secret })
}

/// Revokes a key at once.
#[server(endpoint = "admin/api-keys/revoke", client = CsrfClient)]
pub async fn revoke_api_key(id: i64) -> Result<(), AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::ManageApiKeys).await?;
    let state = app_state()?;
    Ok(super::keys::revoke(&state.db, &state.clock, admin.id, id, request_meta().ip).await?)
}

/// The signed-in member's own incentives.
#[server(endpoint = "account/incentives", input = Json)]
pub async fn my_incentives() -> Result<super::MemberIncentives, AppError> {
    use crate::auth::session::require_member;
    use crate::platform::state::app_state;

    let user = require_member().await?;
    let state = app_state()?;
    Ok(super::service::for_member(&state.db, user.id).await?)
}

/// An admin adds one incentive for a member (from the member page), pending
/// approval like any other.
#[server(endpoint = "admin/incentives/create", client = CsrfClient)]
pub async fn create_incentive(
    member_id: i64,
    program: String,
    asset: String,
    amount: String,
    description: String,
    idempotency_key: String,
) -> Result<super::IncentiveView, AppError> {
    use super::service::{Created, Origin};
    use super::{IncentiveInput, IncentiveSource};
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    let admin = require(Permission::CreateIncentives).await?;
    let state = app_state()?;
    let member = crate::members::service::find_member(&state.db, member_id).await?;
    let created = super::service::create_keyed(
        &state.db,
        &state.clock,
        Origin {
            source: IncentiveSource::Manual,
            api_key_id: None,
            admin_user_id: Some(admin.id),
        },
        &IncentiveInput {
            member_email: member.email,
            member_name: None,
            program,
            asset,
            amount,
            description,
            external_id: None,
        },
        Some(&idempotency_key),
    )
    .await?;
    Ok(match created {
        Created::New(view) | Created::Existing(view) => view,
    })
}

/// Checks an uploaded CSV file line by line, writing nothing.
#[server(endpoint = "admin/incentives/import-preview", input = Json)]
pub async fn preview_import(csv: String) -> Result<super::ImportPreview, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::state::app_state;

    require(Permission::Read).await?;
    let state = app_state()?;
    Ok(super::import::preview(&state.db, &csv).await?)
}

/// Imports the good lines of a CSV file, pending approval; a second import
/// of the same lines changes nothing.
#[server(endpoint = "admin/incentives/import", input = Json)]
pub async fn run_import(csv: String) -> Result<super::ImportOutcome, AppError> {
    use crate::auth::{session::require, Permission};
    use crate::platform::{request::request_meta, state::app_state};

    let admin = require(Permission::CreateIncentives).await?;
    let state = app_state()?;
    Ok(super::import::run(&state.db, &state.clock, admin.id, &csv, request_meta().ip).await?)
}
