//! Adding, reordering and retiring extra fields, and checking members'
//! answers against them.

use std::collections::BTreeMap;

use sea_orm::{
    sea_query::Expr, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr,
    EntityTrait, QueryFilter, QueryOrder,
};

use super::error::PayoutFieldError;
use super::{MethodField, NewField, MAX_ANSWER};
use crate::entities::payout_method_field;
use crate::payout_details::method::PayoutMethod;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    db, Clock,
};

fn view(row: payout_method_field::Model) -> Option<MethodField> {
    Some(MethodField {
        id: row.id,
        method: PayoutMethod::parse(&row.method)?,
        label: row.label,
        help: row.help,
        required: row.required,
        pattern: row.pattern,
        retired: row.retired_at.is_some(),
    })
}

/// Fields in form order: by method as Paydesk lists them, then position.
/// Retired ones too when `with_retired` (exports, labels of old answers).
pub async fn fields(
    conn: &impl ConnectionTrait,
    with_retired: bool,
) -> Result<Vec<MethodField>, DbErr> {
    let mut query = payout_method_field::Entity::find();
    if !with_retired {
        query = query.filter(payout_method_field::Column::RetiredAt.is_null());
    }
    let mut found: Vec<MethodField> = query
        .order_by_asc(payout_method_field::Column::Position)
        .order_by_asc(payout_method_field::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(view)
        .collect();
    let rank = |method: PayoutMethod| PayoutMethod::ALL.iter().position(|m| *m == method);
    // Stable: positions stay in order within a method.
    found.sort_by_key(|field| rank(field.method));
    Ok(found)
}

/// The fields a member's form for `method` asks for.
pub async fn active_for(
    conn: &impl ConnectionTrait,
    method: PayoutMethod,
) -> Result<Vec<MethodField>, DbErr> {
    Ok(fields(conn, false)
        .await?
        .into_iter()
        .filter(|field| field.method == method)
        .collect())
}

/// The pattern as the whole answer must match it.
fn compiled(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
}

/// What is wrong with an answer to `field`, if anything. `answer` is trimmed.
pub fn problem(field: &MethodField, answer: &str) -> Option<String> {
    if answer.is_empty() {
        return field.required.then(|| format!("Enter the {}", field.label));
    }
    if answer.chars().count() > MAX_ANSWER {
        return Some(format!(
            "{} must be at most {MAX_ANSWER} characters",
            field.label
        ));
    }
    if field.pattern.is_empty() {
        return None;
    }
    match compiled(&field.pattern) {
        Ok(pattern) if pattern.is_match(answer) => None,
        Ok(_) if field.help.is_empty() => {
            Some(format!("{} is not in the expected format", field.label))
        }
        Ok(_) => Some(format!(
            "{} is not in the expected format: {}",
            field.label, field.help
        )),
        // Patterns are checked when added; one that no longer compiles
        // (a newer regex syntax rule) must not lock members out.
        Err(_) => None,
    }
}

/// The answers to keep with a member's details for `method`: the active
/// fields' answers from `given` (checked), and the answers to retired fields
/// from `before`, which the form no longer shows. Err: (label, message).
pub fn answers(
    active: &[MethodField],
    given: &BTreeMap<String, String>,
    before: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>, String> {
    let mut kept: BTreeMap<String, String> = before
        .iter()
        .filter(|(key, _)| active.iter().all(|field| field.key() != **key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for field in active {
        let answer = given.get(&field.key()).map_or("", |v| v.trim());
        if let Some(problem) = problem(field, answer) {
            return Err(problem);
        }
        if !answer.is_empty() {
            kept.insert(field.key(), answer.to_owned());
        }
    }
    Ok(kept)
}

/// Answers with their labels ("Tax form on file", "yes"), in form order,
/// retired fields included, for admin views.
pub fn labelled(
    fields: &[MethodField],
    answers: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    fields
        .iter()
        .filter_map(|field| {
            answers
                .get(&field.key())
                .map(|answer| (field.label.clone(), answer.clone()))
        })
        .collect()
}

async fn audit_change(
    conn: &impl ConnectionTrait,
    clock: &Clock,
    admin_user_id: i64,
    field_id: i64,
    detail: String,
) -> Result<(), DbErr> {
    audit::record(
        conn,
        clock.now(),
        AuditEntry::new(AuditAction::PayoutFieldChanged)
            .actor(admin_user_id)
            .subject(format!("payout_field:{field_id}"))
            .detail(detail),
    )
    .await
}

/// Adds a field at the end of its method's form.
pub async fn add(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    input: NewField,
) -> Result<MethodField, PayoutFieldError> {
    let method = PayoutMethod::parse(input.method.trim()).ok_or_else(|| {
        PayoutFieldError::invalid("Choose the payout method the field belongs to")
    })?;
    let label = input.label.trim();
    if label.is_empty() {
        return Err(PayoutFieldError::invalid("Give the field a label"));
    }
    if label.chars().count() > 100 {
        return Err(PayoutFieldError::invalid(
            "The label must be at most 100 characters",
        ));
    }
    let help = input.help.trim();
    if help.chars().count() > 300 {
        return Err(PayoutFieldError::invalid(
            "The help text must be at most 300 characters",
        ));
    }
    let pattern = input.pattern.trim();
    if pattern.chars().count() > 300 {
        return Err(PayoutFieldError::invalid(
            "The pattern must be at most 300 characters",
        ));
    }
    if !pattern.is_empty() {
        compiled(pattern).map_err(|_| {
            PayoutFieldError::invalid("The pattern is not a valid regular expression")
        })?;
    }
    let txn = db::begin_write(db).await?;
    let siblings = active_for(&txn, method).await?;
    if siblings
        .iter()
        .any(|field| field.label.eq_ignore_ascii_case(label))
    {
        return Err(PayoutFieldError::invalid(format!(
            "{} already has a field labelled \"{label}\"",
            method.label()
        )));
    }
    let position = payout_method_field::Entity::find()
        .filter(payout_method_field::Column::Method.eq(method.as_str()))
        .order_by_desc(payout_method_field::Column::Position)
        .one(&txn)
        .await?
        .map_or(1, |last| last.position + 1);
    let row = payout_method_field::Entity::insert(payout_method_field::ActiveModel {
        method: Set(method.as_str().to_owned()),
        label: Set(label.to_owned()),
        help: Set(help.to_owned()),
        required: Set(input.required),
        pattern: Set(pattern.to_owned()),
        position: Set(position),
        created_at: Set(clock.now()),
        retired_at: Set(None),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    audit_change(
        &txn,
        clock,
        admin_user_id,
        row.id,
        format!(
            "Added \"{label}\" to {}{}",
            method.label(),
            if input.required { " (required)" } else { "" }
        ),
    )
    .await?;
    txn.commit().await?;
    view(row).ok_or_else(|| PayoutFieldError::Unexpected(anyhow::anyhow!("unknown method stored")))
}

fn not_found() -> PayoutFieldError {
    PayoutFieldError::not_found("Field not found")
}

/// Moves an active field one place up or down its method's form.
pub async fn move_field(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    field_id: i64,
    up: bool,
) -> Result<(), PayoutFieldError> {
    let txn = db::begin_write(db).await?;
    let field = payout_method_field::Entity::find_by_id(field_id)
        .one(&txn)
        .await?
        .filter(|field| field.retired_at.is_none())
        .ok_or_else(not_found)?;
    let siblings = payout_method_field::Entity::find()
        .filter(payout_method_field::Column::Method.eq(field.method.as_str()))
        .filter(payout_method_field::Column::RetiredAt.is_null())
        .order_by_asc(payout_method_field::Column::Position)
        .order_by_asc(payout_method_field::Column::Id)
        .all(&txn)
        .await?;
    let mut order: Vec<i64> = siblings.iter().map(|f| f.id).collect();
    let Some(at) = order.iter().position(|id| *id == field.id) else {
        return Err(not_found());
    };
    let other = if up {
        at.checked_sub(1)
    } else {
        Some(at + 1).filter(|next| *next < order.len())
    };
    let Some(other) = other else {
        // First already (or last): nothing to move.
        return Ok(());
    };
    order.swap(at, other);
    // Every field renumbered in the new order, so equal positions (two
    // fields added at once) still end up distinct.
    for (index, id) in order.iter().enumerate() {
        payout_method_field::Entity::update_many()
            .col_expr(
                payout_method_field::Column::Position,
                Expr::value(i32::try_from(index + 1).unwrap_or(i32::MAX)),
            )
            .filter(payout_method_field::Column::Id.eq(*id))
            .exec(&txn)
            .await?;
    }
    audit_change(
        &txn,
        clock,
        admin_user_id,
        field.id,
        format!(
            "Moved \"{}\" {}",
            field.label,
            if up { "up" } else { "down" }
        ),
    )
    .await?;
    Ok(txn.commit().await?)
}

/// Retires a field: members' forms no longer ask for it; answers given
/// earlier are kept (in saved details and in requests).
pub async fn retire(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    field_id: i64,
) -> Result<(), PayoutFieldError> {
    let txn = db::begin_write(db).await?;
    let field = payout_method_field::Entity::find_by_id(field_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    let retired = payout_method_field::Entity::update_many()
        .col_expr(
            payout_method_field::Column::RetiredAt,
            Expr::value(clock.now()),
        )
        .filter(payout_method_field::Column::Id.eq(field_id))
        .filter(payout_method_field::Column::RetiredAt.is_null())
        .exec(&txn)
        .await?;
    if retired.rows_affected == 0 {
        // Retired already: nothing changes.
        return Ok(());
    }
    audit_change(
        &txn,
        clock,
        admin_user_id,
        field_id,
        format!("Retired \"{}\"", field.label),
    )
    .await?;
    Ok(txn.commit().await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(id: i64, required: bool, pattern: &str, help: &str) -> MethodField {
        MethodField {
            id,
            method: PayoutMethod::Paypal,
            label: format!("Field {id}"),
            help: help.into(),
            required,
            pattern: pattern.into(),
            retired: false,
        }
    }

    #[test]
    fn answers_are_checked_against_required_and_the_whole_pattern() {
        let memo = field(1, true, "[A-Z]{3}-[0-9]{4}", "like ABC-1234");
        assert_eq!(problem(&memo, ""), Some("Enter the Field 1".into()));
        assert_eq!(problem(&memo, "ABC-1234"), None);
        // The pattern must match the whole answer, not a part of it.
        assert_eq!(
            problem(&memo, "xABC-1234x"),
            Some("Field 1 is not in the expected format: like ABC-1234".into())
        );
        let optional = field(2, false, "yes|no", "");
        assert_eq!(problem(&optional, ""), None);
        assert_eq!(problem(&optional, "no"), None);
        // Alternation is anchored as a whole.
        assert!(problem(&optional, "nope").is_some());
        let long = "x".repeat(MAX_ANSWER + 1);
        assert!(problem(&field(3, false, "", ""), &long).is_some());
    }

    #[test]
    fn saving_keeps_answers_to_retired_fields_and_drops_unknown_ones() {
        let active = vec![field(1, true, "", ""), field(2, false, "", "")];
        let given = BTreeMap::from([
            ("f1".to_owned(), " A1 ".to_owned()),
            ("f2".to_owned(), "  ".to_owned()),
            // Not a field of this form: ignored.
            ("f99".to_owned(), "sneaky".to_owned()),
        ]);
        let before = BTreeMap::from([
            ("f1".to_owned(), "old".to_owned()),
            // Field 7 was retired: its answer stays.
            ("f7".to_owned(), "kept".to_owned()),
        ]);
        let kept = answers(&active, &given, &before).unwrap();
        assert_eq!(
            kept,
            BTreeMap::from([
                ("f1".to_owned(), "A1".to_owned()),
                ("f7".to_owned(), "kept".to_owned()),
            ])
        );
        let missing = answers(&active, &BTreeMap::new(), &before);
        assert_eq!(missing, Err("Enter the Field 1".into()));
    }
}
