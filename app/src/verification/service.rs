//! Submitting and reviewing identity verification. A review also sets the
//! user's `is_verified` flag, which the withdrawal rules read, in the same
//! transaction.

use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter,
};

use super::{VerificationInput, VerificationStatus, VerificationView};
use crate::entities::{identity_verification, user};
use crate::error::AppError;
use crate::payout_details::validate::mask_tail;
use crate::platform::secrets::{is_sealed, SecretKey, SEALED_PREFIX};
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

#[derive(Debug, thiserror::Error)]
pub enum VerificationError {
    #[error("{0}")]
    Invalid(String),
    #[error("Your identity is already verified")]
    AlreadyVerified,
    #[error("There is no submission waiting for review")]
    NothingToReview,
    #[error("Your verification is being reviewed: you can change it once it has been reviewed")]
    UnderReview,
    #[error(
        "The member has submitted new details since this page was loaded: reload it and review \
         those"
    )]
    StaleReview,
    #[error("A rejection needs a note telling the member what to fix")]
    NoteRequired,
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl From<VerificationError> for AppError {
    fn from(err: VerificationError) -> Self {
        match err {
            VerificationError::Db(err) => AppError::internal(err),
            VerificationError::NothingToReview
            | VerificationError::AlreadyVerified
            | VerificationError::UnderReview
            | VerificationError::StaleReview => AppError::conflict(err.to_string()),
            other => AppError::invalid(other.to_string()),
        }
    }
}

/// What a sealed tax ID belongs to: it opens for this member's row only.
fn tax_id_purpose(user_id: i64) -> String {
    format!("tax_id:{user_id}")
}

/// The last four characters that are not spaces, for the masked display.
fn last4(tax_id: &str) -> String {
    let chars: Vec<char> = tax_id.chars().filter(|c| !c.is_whitespace()).collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// Seals the tax IDs still in plain text (rows from before encryption at
/// rest, or a restored old dump); run by `serve` on start. Answers how many.
pub async fn seal_plain_tax_ids(db: &DatabaseConnection, key: &SecretKey) -> Result<u64, DbErr> {
    let txn = db::begin_write(db).await?;
    let mut sealed = 0;
    // Only the plain rows: after the first start this finds none.
    let plain = identity_verification::Entity::find()
        .filter(identity_verification::Column::TaxId.not_like(format!("{SEALED_PREFIX}%")))
        .all(&txn)
        .await?;
    for row in plain {
        identity_verification::Entity::update_many()
            .col_expr(
                identity_verification::Column::TaxId,
                Expr::value(key.seal_text(&tax_id_purpose(row.user_id), &row.tax_id)),
            )
            .col_expr(
                identity_verification::Column::TaxIdLast4,
                Expr::value(last4(&row.tax_id)),
            )
            .filter(identity_verification::Column::UserId.eq(row.user_id))
            // Guarded on the plain value: a submission landing meanwhile wins.
            .filter(identity_verification::Column::TaxId.eq(row.tax_id.clone()))
            .exec(&txn)
            .await?;
        sealed += 1;
    }
    txn.commit().await?;
    Ok(sealed)
}

/// Re-seals every tax ID under `new` (`paydesk rotate-key`), in the
/// caller's transaction.
pub async fn reseal_tax_ids(
    conn: &impl sea_orm::ConnectionTrait,
    old: &SecretKey,
    new: &SecretKey,
) -> Result<u64, anyhow::Error> {
    let mut count = 0;
    for row in identity_verification::Entity::find().all(conn).await? {
        let purpose = tax_id_purpose(row.user_id);
        let plain = if is_sealed(&row.tax_id) {
            old.open_text(&purpose, &row.tax_id)
                .map_err(|err| anyhow::anyhow!("tax ID of user {}: {err}", row.user_id))?
        } else {
            row.tax_id.clone()
        };
        identity_verification::Entity::update_many()
            .col_expr(
                identity_verification::Column::TaxId,
                Expr::value(new.seal_text(&purpose, &plain)),
            )
            .col_expr(
                identity_verification::Column::TaxIdLast4,
                Expr::value(last4(&plain)),
            )
            .filter(identity_verification::Column::UserId.eq(row.user_id))
            .exec(conn)
            .await?;
        count += 1;
    }
    Ok(count)
}

fn view(row: Option<identity_verification::Model>) -> VerificationView {
    match row {
        None => VerificationView {
            status: VerificationStatus::Unverified,
            first_name: String::new(),
            last_name: String::new(),
            tax_id_masked: String::new(),
            mobile: String::new(),
            country: String::new(),
            address: String::new(),
            review_note: None,
            submitted_at: None,
            submission: None,
        },
        Some(row) => VerificationView {
            status: VerificationStatus::parse(&row.status).unwrap_or(VerificationStatus::Submitted),
            first_name: row.first_name,
            last_name: row.last_name,
            tax_id_masked: mask_tail(&row.tax_id_last4),
            mobile: row.mobile,
            country: row.country,
            address: row.address,
            review_note: row.review_note,
            submitted_at: Some(row.submitted_at.format("%Y-%m-%d %H:%M UTC").to_string()),
            submission: Some(submission_token(row.submitted_at)),
        },
    }
}

/// Whether the member has a submission waiting for review.
async fn waiting(conn: &impl sea_orm::ConnectionTrait, member_user_id: i64) -> Result<bool, DbErr> {
    Ok(identity_verification::Entity::find_by_id(member_user_id)
        .one(conn)
        .await?
        .is_some_and(|row| row.status == VerificationStatus::Submitted.as_str()))
}

/// A submission's exact time, as the review form carries it.
fn submission_token(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

pub async fn get(db: &DatabaseConnection, user_id: i64) -> Result<VerificationView, DbErr> {
    let mut found = view(
        identity_verification::Entity::find_by_id(user_id)
            .one(db)
            .await?,
    );
    // The withdrawal rules read the user's flag, which an admin may also
    // have set directly: show what the rules will do.
    let flagged = user::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some_and(|u| u.is_verified);
    if flagged {
        found.status = VerificationStatus::Verified;
    }
    Ok(found)
}

/// A member submits (or, after a rejection, resubmits) their identity.
pub async fn submit(
    db: &DatabaseConnection,
    clock: &Clock,
    key: &SecretKey,
    user_id: i64,
    input: &VerificationInput,
    ip: Option<String>,
) -> Result<VerificationView, VerificationError> {
    let input = input.normalized();
    if let Some(problem) = input.problem() {
        return Err(VerificationError::Invalid(problem));
    }
    let now = clock.now();
    let txn = db::begin_write(db).await?;
    let existing = identity_verification::Entity::find_by_id(user_id)
        .one(&txn)
        .await?;
    let row = identity_verification::ActiveModel {
        user_id: Set(user_id),
        status: Set(VerificationStatus::Submitted.as_str().to_owned()),
        first_name: Set(input.first_name.clone()),
        last_name: Set(input.last_name.clone()),
        tax_id: Set(key.seal_text(&tax_id_purpose(user_id), &input.tax_id)),
        tax_id_last4: Set(last4(&input.tax_id)),
        mobile: Set(input.mobile.clone()),
        country: Set(input.country.clone()),
        address: Set(input.address.clone()),
        review_note: Set(None),
        submitted_at: Set(now),
        reviewed_at: Set(None),
        reviewed_by: Set(None),
    };
    match existing {
        None => {
            identity_verification::Entity::insert(row)
                .exec_without_returning(&txn)
                .await?;
        }
        Some(existing) => {
            // Guarded: a review landing at the same moment wins, and a
            // verified member cannot reopen their verification.
            let status = VerificationStatus::parse(&existing.status)
                .unwrap_or(VerificationStatus::Submitted);
            if status == VerificationStatus::Submitted {
                return Err(VerificationError::UnderReview);
            }
            if !status.can_submit() {
                return Err(VerificationError::AlreadyVerified);
            }
            let updated = identity_verification::Entity::update_many()
                .set(row)
                .filter(identity_verification::Column::UserId.eq(user_id))
                .filter(identity_verification::Column::Status.eq(status.as_str()))
                .exec(&txn)
                .await?;
            if updated.rows_affected == 0 {
                return Err(VerificationError::AlreadyVerified);
            }
        }
    }
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::VerificationSubmitted)
            .actor(user_id)
            .subject(format!("user:{user_id}"))
            .ip(ip),
    )
    .await?;
    txn.commit().await?;
    get(db, user_id).await.map_err(Into::into)
}

/// An admin verifies or rejects a submission.
pub async fn review(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    member_user_id: i64,
    approve: bool,
    note: Option<&str>,
    submission: &str,
) -> Result<VerificationView, VerificationError> {
    let note = note.map(str::trim).filter(|n| !n.is_empty());
    let seen = chrono::DateTime::parse_from_rfc3339(submission.trim())
        .map(|at| at.with_timezone(&chrono::Utc))
        .ok();
    if !approve && note.is_none() {
        return Err(VerificationError::NoteRequired);
    }
    let now = clock.now();
    let to = if approve {
        VerificationStatus::Verified
    } else {
        VerificationStatus::Rejected
    };
    let txn = db::begin_write(db).await?;
    let Some(seen) = seen else {
        return Err(if waiting(&txn, member_user_id).await? {
            VerificationError::Invalid(
                "The review does not say which submission it is about: reload the page".into(),
            )
        } else {
            VerificationError::NothingToReview
        });
    };
    let moved = identity_verification::Entity::update_many()
        .col_expr(
            identity_verification::Column::Status,
            Expr::value(to.as_str()),
        )
        .col_expr(
            identity_verification::Column::ReviewNote,
            Expr::value(note.map(str::to_owned)),
        )
        .col_expr(identity_verification::Column::ReviewedAt, Expr::value(now))
        .col_expr(
            identity_verification::Column::ReviewedBy,
            Expr::value(admin_user_id),
        )
        .filter(identity_verification::Column::UserId.eq(member_user_id))
        .filter(identity_verification::Column::Status.eq(VerificationStatus::Submitted.as_str()))
        .filter(identity_verification::Column::SubmittedAt.eq(seen))
        .exec(&txn)
        .await?;
    if moved.rows_affected == 0 {
        // Waiting, but not the submission the admin saw: they must look again.
        return Err(if waiting(&txn, member_user_id).await? {
            VerificationError::StaleReview
        } else {
            VerificationError::NothingToReview
        });
    }
    user::Entity::update_many()
        .col_expr(user::Column::IsVerified, Expr::value(approve))
        .filter(user::Column::Id.eq(member_user_id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        AuditEntry::new(AuditAction::VerificationReviewed)
            .actor(admin_user_id)
            .subject(format!("user:{member_user_id}"))
            .detail(to.as_str()),
    )
    .await?;
    crate::email::notice::enqueue(
        &txn,
        now,
        member_user_id,
        &crate::email::notice::Notice::Verification {
            approved: approve,
            note: note.map(str::to_owned),
        },
    )
    .await?;
    txn.commit().await?;
    get(db, member_user_id).await.map_err(Into::into)
}
