//! Exports of withdrawal requests, in two kinds. **Reports** (CSV, Excel)
//! carry requests in any status and move nothing; they are labelled "not for
//! upload". **Payment files** (PayPal Payouts Web, PayQuicker) claim the
//! approved requests they carry: see `payment_files`. An export is a form
//! POST to `/admin/payouts/export`, so it works without the wasm bundle: a
//! report is answered with the file, streamed page by page and never loaded
//! whole; a payment file is made and the admin is sent to its page, which
//! lists what it claimed and skipped and downloads it.

use serde::{Deserialize, Serialize};

/// Where the export form posts.
pub const EXPORT_PATH: &str = "/admin/payouts/export";

/// The setting that orders and picks PayQuicker's columns (comma-separated).
pub const PAYQUICKER_COLUMNS_SETTING: &str = "exports.payquicker_columns";

/// PayQuicker's columns, in their default order.
pub const PAYQUICKER_COLUMNS: [&str; 8] = [
    "amount",
    "currency",
    "email",
    "programUserId",
    "note",
    "memo",
    "purpose",
    "clientPaymentId",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Xlsx,
    PaypalCsv,
    PayquickerCsv,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 4] = [
        ExportFormat::Csv,
        ExportFormat::Xlsx,
        ExportFormat::PaypalCsv,
        ExportFormat::PayquickerCsv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::PaypalCsv => "paypal_csv",
            ExportFormat::PayquickerCsv => "payquicker_csv",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Csv => "CSV report (not for upload)",
            ExportFormat::Xlsx => "Excel report (not for upload)",
            ExportFormat::PaypalCsv => "PayPal Payouts file (claims approved PayPal requests)",
            ExportFormat::PayquickerCsv => "PayQuicker file (claims approved requests)",
        }
    }

    /// A file a provider pays from, which claims the requests it carries.
    pub fn is_payment_file(self) -> bool {
        match self {
            ExportFormat::PaypalCsv | ExportFormat::PayquickerCsv => true,
            ExportFormat::Csv | ExportFormat::Xlsx => false,
        }
    }
}

/// Which requests go into the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportScope {
    /// The rows the admin ticked.
    Selected,
    /// Every request matching the filters.
    Matching,
    /// Requests matching the filters that no earlier export carried.
    New,
}

impl ExportScope {
    pub const ALL: [ExportScope; 3] = [
        ExportScope::Selected,
        ExportScope::Matching,
        ExportScope::New,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportScope::Selected => "selected",
            ExportScope::Matching => "matching",
            ExportScope::New => "new",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[cfg(feature = "ssr")]
pub use server::export_requests;
#[cfg(feature = "ssr")]
pub(crate) use server::{
    admin_of, csv_bytes, defused, page, payquicker_columns, payquicker_file, Line,
};

#[cfg(feature = "ssr")]
mod server {
    use std::collections::HashMap;

    use crate::auth::service::users_by_id;
    use axum::body::{Body, Bytes};
    use axum::extract::{Form, State};
    use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
    use axum::response::{IntoResponse, Redirect, Response};
    use axum::Extension;
    use chrono::SecondsFormat;
    use sea_orm::{
        sea_query::Expr, ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait,
        DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
        QueryTrait, Select,
    };
    use serde::Deserialize;

    use super::{ExportFormat, ExportScope, PAYQUICKER_COLUMNS, PAYQUICKER_COLUMNS_SETTING};
    use crate::auth::session::{authenticate, cookie_name};
    use crate::entities::{asset, payout_export, user, withdrawal_request};
    use crate::error::AppError;
    use crate::ledger::money::decimal_string;
    use crate::payout_details::DetailsInput;
    use crate::payout_fields::MethodField;
    use crate::payouts::{service, PayoutQuery, SortBy};
    use crate::platform::audit::{self, AuditAction, AuditEntry};
    use crate::platform::request::{cookie_value, ClientIp};
    use crate::platform::{db, AppState};
    use crate::withdrawals::{PayoutMethod, WithdrawalStatus};

    /// Rows read from the database per page of the file.
    const PAGE: u64 = 500;

    /// The export form. The CSRF token is checked by the HTTP layer.
    #[derive(Debug, Default, Deserialize)]
    pub struct ExportForm {
        #[serde(default)]
        format: String,
        #[serde(default)]
        scope: String,
        /// Comma-separated request ids, for the selected scope.
        #[serde(default)]
        ids: String,
        #[serde(default)]
        q: String,
        #[serde(default)]
        status: String,
        #[serde(default)]
        method: String,
        #[serde(default)]
        currency: String,
        #[serde(default)]
        from: String,
        #[serde(default)]
        to: String,
        #[serde(default)]
        idempotency_key: String,
    }

    impl ExportForm {
        fn query(&self) -> PayoutQuery {
            PayoutQuery {
                q: self.q.clone(),
                status: self.status.clone(),
                method: self.method.clone(),
                currency: self.currency.clone(),
                from: self.from.clone(),
                to: self.to.clone(),
                sort: SortBy::Created,
                ascending: true,
                page: 1,
                per_page: 20,
            }
        }
    }

    /// `POST /admin/payouts/export`: administrators only. Answers with the
    /// file, or sends the admin back to the table with a message.
    pub async fn export_requests(
        State(state): State<AppState>,
        client_ip: Option<Extension<ClientIp>>,
        headers: HeaderMap,
        Form(form): Form<ExportForm>,
    ) -> Response {
        let admin = match admin_of(&state, &headers).await {
            Ok(admin) => admin,
            Err(refused) => return refused,
        };
        let ip = client_ip.map(|Extension(ClientIp(ip))| ip);
        let made = match ExportFormat::parse(&form.format) {
            Some(format) if format.is_payment_file() => {
                match payment_file(&state, admin.id, ip, format, &form).await {
                    Ok(id) => {
                        let page = format!("{}/{id}", crate::payouts::payment_files::FILES_PATH);
                        return Redirect::to(&page).into_response();
                    }
                    Err(err) => Err(err),
                }
            }
            _ => prepare(&state, admin.id, ip, &form).await,
        };
        match made {
            Ok(prepared) => respond(state.db.clone(), prepared).await,
            Err(err) if err.code == crate::error::ErrorCode::Invalid => {
                let back = crate::payouts::pages::href_for(&form.query(), 1);
                let message = crate::payouts::pages::encode(&err.message);
                Redirect::to(&format!("{back}&export_error={message}")).into_response()
            }
            Err(err) => error_response(&err),
        }
    }

    /// The signed-in administrator of a plain route (exports and payment
    /// file downloads are not server functions), or the answer refusing.
    pub(crate) async fn admin_of(
        state: &AppState,
        headers: &HeaderMap,
    ) -> Result<crate::auth::UserView, Response> {
        let Some(token) = cookie_value(headers, cookie_name(&state.settings)) else {
            return Err((StatusCode::UNAUTHORIZED, "Please sign in").into_response());
        };
        match authenticate(state, &token).await {
            Ok(Some(user)) if user.is_admin() => Ok(user),
            Ok(Some(_)) => Err((StatusCode::FORBIDDEN, "Administrators only").into_response()),
            Ok(None) => Err((StatusCode::UNAUTHORIZED, "Please sign in").into_response()),
            Err(err) => Err(error_response(&err)),
        }
    }

    fn error_response(err: &AppError) -> Response {
        tracing::warn!(error = %err.message, "export failed");
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "The export failed; please try again",
        )
            .into_response()
    }

    /// A report recorded and ready to be written.
    struct Prepared {
        export_id: i64,
        format: ExportFormat,
        /// The requests in the file, in id order when paged.
        rows: Select<withdrawal_request::Entity>,
        count: u64,
        /// Extra payout fields (retired ones too: older requests carry
        /// their answers), one column each after the format's own.
        extra: Vec<MethodField>,
    }

    /// What the form's scope matches.
    async fn scoped(
        state: &AppState,
        scope: ExportScope,
        form: &ExportForm,
    ) -> Result<Select<withdrawal_request::Entity>, AppError> {
        Ok(match scope {
            ExportScope::Selected => {
                let ids = parse_ids(&form.ids)?;
                withdrawal_request::Entity::find().filter(withdrawal_request::Column::Id.is_in(ids))
            }
            ExportScope::Matching => service::filtered(&state.db, &form.query()).await?,
            ExportScope::New => service::filtered(&state.db, &form.query())
                .await?
                .filter(withdrawal_request::Column::FirstExportId.is_null()),
        })
    }

    /// A payment file of what the form's scope matches.
    async fn payment_file(
        state: &AppState,
        admin_id: i64,
        ip: Option<String>,
        format: ExportFormat,
        form: &ExportForm,
    ) -> Result<i64, AppError> {
        let scope = ExportScope::parse(&form.scope)
            .ok_or_else(|| AppError::invalid(format!("Unknown export scope {:?}", form.scope)))?;
        let chosen = scoped(state, scope, form).await?;
        let fingerprint = [
            scope.as_str(),
            &form.ids,
            &form.q,
            &form.status,
            &form.method,
            &form.currency,
            &form.from,
            &form.to,
        ]
        .join("\u{0}");
        crate::payouts::payment_files::create(
            state,
            admin_id,
            ip,
            crate::payouts::payment_files::NewPaymentFile {
                format,
                scope,
                chosen,
                fingerprint,
                idempotency_key: &form.idempotency_key,
            },
        )
        .await
    }

    async fn prepare(
        state: &AppState,
        admin_id: i64,
        ip: Option<String>,
        form: &ExportForm,
    ) -> Result<Prepared, AppError> {
        let format = ExportFormat::parse(&form.format)
            .ok_or_else(|| AppError::invalid(format!("Unknown export format {:?}", form.format)))?;
        let scope = ExportScope::parse(&form.scope)
            .ok_or_else(|| AppError::invalid(format!("Unknown export scope {:?}", form.scope)))?;
        let extra = crate::payout_fields::service::fields(&state.db, true)
            .await
            .map_err(AppError::internal)?;
        let chosen = scoped(state, scope, form).await?;

        let now = state.clock.now();
        let txn = db::begin_write(&state.db)
            .await
            .map_err(AppError::internal)?;
        let export = payout_export::ActiveModel {
            admin_user_id: Set(admin_id),
            format: Set(format.as_str().to_owned()),
            scope: Set(scope.as_str().to_owned()),
            row_count: Set(0),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(AppError::internal)?;
        // Claim the rows no export carried yet. For "only new" this is the
        // file's content: two admins exporting new requests at once get
        // disjoint files, because each row is claimed once.
        let claimed = withdrawal_request::Entity::update_many()
            .col_expr(
                withdrawal_request::Column::FirstExportId,
                Expr::value(export.id),
            )
            .filter(withdrawal_request::Column::FirstExportId.is_null())
            .filter(
                withdrawal_request::Column::Id.in_subquery(
                    chosen
                        .clone()
                        .select_only()
                        .column(withdrawal_request::Column::Id)
                        .into_query(),
                ),
            )
            .exec(&txn)
            .await
            .map_err(AppError::internal)?
            .rows_affected;
        let rows = match scope {
            ExportScope::New => withdrawal_request::Entity::find()
                .filter(withdrawal_request::Column::FirstExportId.eq(export.id)),
            ExportScope::Selected | ExportScope::Matching => chosen,
        };
        let count = match scope {
            ExportScope::New => claimed,
            _ => rows.clone().count(&txn).await.map_err(AppError::internal)?,
        };
        if count == 0 {
            // Dropping the transaction rolls the export row back.
            return Err(AppError::invalid(match scope {
                ExportScope::New => "No new requests to export since the last export",
                _ => "No requests to export",
            }));
        }
        let mut recorded: payout_export::ActiveModel = export.into();
        recorded.row_count = Set(i64::try_from(count).map_err(AppError::internal)?);
        let export = recorded.update(&txn).await.map_err(AppError::internal)?;
        audit::record(
            &txn,
            now,
            AuditEntry::new(AuditAction::PayoutsExported)
                .actor(admin_id)
                .subject(format!("export:{}", export.id))
                .ip(ip)
                .detail(format!(
                    "{} of {} requests ({})",
                    format.as_str(),
                    count,
                    scope.as_str()
                )),
        )
        .await
        .map_err(AppError::internal)?;
        txn.commit().await.map_err(AppError::internal)?;

        Ok(Prepared {
            export_id: export.id,
            format,
            rows,
            count,
            extra,
        })
    }

    fn parse_ids(text: &str) -> Result<Vec<i64>, AppError> {
        let mut ids = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let id = part
                .trim_start_matches('#')
                .parse::<i64>()
                .map_err(|_| AppError::invalid(format!("\"{part}\" is not a request number")))?;
            ids.push(id);
        }
        if ids.is_empty() {
            return Err(AppError::invalid("Select at least one request to export"));
        }
        if ids.len() > service::BULK_LIMIT {
            return Err(AppError::invalid(format!(
                "At most {} selected requests at once; export all matching instead",
                service::BULK_LIMIT
            )));
        }
        Ok(ids)
    }

    /// The configured PayQuicker columns, or the defaults.
    pub(crate) async fn payquicker_columns(
        db: &DatabaseConnection,
    ) -> Result<Vec<String>, AppError> {
        let configured = crate::withdrawals::rules::get_setting(db, PAYQUICKER_COLUMNS_SETTING)
            .await
            .map_err(AppError::internal)?;
        let Some(configured) = configured.filter(|v| !v.trim().is_empty()) else {
            return Ok(PAYQUICKER_COLUMNS.iter().map(|c| (*c).to_owned()).collect());
        };
        configured
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|column| {
                if PAYQUICKER_COLUMNS.contains(&column) {
                    Ok(column.to_owned())
                } else {
                    Err(AppError::invalid(format!(
                        "The PayQuicker columns setting names an unknown column \"{column}\""
                    )))
                }
            })
            .collect()
    }

    /// One request as the files show it.
    pub(crate) struct Line {
        pub(crate) request: withdrawal_request::Model,
        member: Option<user::Model>,
        currency: Option<asset::Model>,
        pub(crate) details: DetailsInput,
    }

    impl Line {
        pub(crate) fn money(&self, minor: i64) -> String {
            decimal_string(
                minor,
                self.currency
                    .as_ref()
                    .map_or(0, |a| u32::try_from(a.scale).unwrap_or(0)),
            )
        }

        pub(crate) fn code(&self) -> String {
            self.currency
                .as_ref()
                .map(|a| a.code.clone())
                .unwrap_or_default()
        }

        fn member_email(&self) -> String {
            self.member
                .as_ref()
                .map(|m| m.email.clone())
                .unwrap_or_default()
        }

        /// Where the money goes by email: the payout email when there is
        /// one (PayPal, gift card), otherwise the member's account email.
        fn pay_email(&self) -> String {
            if self.details.email.is_empty() {
                self.member_email()
            } else {
                self.details.email.clone()
            }
        }

        fn generic(&self) -> Vec<String> {
            let r = &self.request;
            let status = WithdrawalStatus::parse(&r.status)
                .map_or(r.status.clone(), |s| s.label().to_owned());
            let method =
                PayoutMethod::parse(&r.method).map_or(r.method.clone(), |m| m.label().to_owned());
            vec![
                r.id.to_string(),
                r.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                status,
                self.member
                    .as_ref()
                    .map(|m| m.display_name.clone())
                    .unwrap_or_default(),
                self.member_email(),
                method,
                r.payout_masked.clone().unwrap_or_default(),
                self.code(),
                self.money(r.gross_minor),
                self.money(r.fee_minor),
                self.money(r.net_minor),
                r.external_reference.clone().unwrap_or_default(),
                r.payment_date.clone().unwrap_or_default(),
                r.note.clone().unwrap_or_default(),
            ]
        }

        /// The answers to every extra field, in column order (empty where
        /// the request's method has no such field).
        fn extras(&self, fields: &[MethodField]) -> Vec<String> {
            fields
                .iter()
                .map(|field| {
                    self.details
                        .extra
                        .get(&field.key())
                        .cloned()
                        .unwrap_or_default()
                })
                .collect()
        }

        fn payquicker(&self, columns: &[String]) -> Vec<String> {
            let r = &self.request;
            columns
                .iter()
                .map(|column| match column.as_str() {
                    "amount" => self.money(r.net_minor),
                    "currency" => self.code(),
                    "email" => self.pay_email(),
                    "programUserId" => r.member_user_id.to_string(),
                    "note" => r.note.clone().unwrap_or_default(),
                    "memo" => format!("Paydesk withdrawal #{}", r.id),
                    "purpose" => "withdrawal".to_owned(),
                    "clientPaymentId" => r.id.to_string(),
                    _ => String::new(),
                })
                .collect()
        }
    }

    const GENERIC_HEADER: [&str; 14] = [
        "request_id",
        "created_at",
        "status",
        "member_name",
        "member_email",
        "method",
        "payout_to",
        "currency",
        "amount",
        "fee",
        "net",
        "external_reference",
        "payment_date",
        "note",
    ];

    /// The next page of the file's requests after `after`, with what the
    /// lines need.
    pub(crate) async fn page(
        db: &impl ConnectionTrait,
        rows: &Select<withdrawal_request::Entity>,
        assets: &HashMap<i64, asset::Model>,
        after: i64,
    ) -> Result<Vec<Line>, sea_orm::DbErr> {
        let models = rows
            .clone()
            .filter(withdrawal_request::Column::Id.gt(after))
            .order_by_asc(withdrawal_request::Column::Id)
            .limit(PAGE)
            .all(db)
            .await?;
        let members = users_by_id(db, models.iter().map(|m| m.member_user_id)).await?;
        Ok(models
            .into_iter()
            .map(|request| Line {
                member: members.get(&request.member_user_id).cloned(),
                currency: assets.get(&request.currency_asset_id).cloned(),
                details: request
                    .payout_details
                    .as_deref()
                    .and_then(|json| serde_json::from_str(json).ok())
                    .unwrap_or_default(),
                request,
            })
            .collect())
    }

    /// A cell a spreadsheet could take for a formula is made plain text.
    pub(crate) fn defused(value: String) -> String {
        if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            format!("'{value}")
        } else {
            value
        }
    }

    pub(crate) fn csv_bytes(
        records: impl IntoIterator<Item = Vec<String>>,
    ) -> std::io::Result<Bytes> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        for record in records {
            writer.write_record(&record)?;
        }
        writer
            .into_inner()
            .map(Bytes::from)
            .map_err(|err| std::io::Error::other(err.to_string()))
    }

    async fn respond(db: DatabaseConnection, prepared: Prepared) -> Response {
        let assets = match crate::ledger::service::assets_by_id(&db).await {
            Ok(assets) => assets,
            Err(err) => return error_response(&AppError::internal(err)),
        };
        let (kind, extension) = match prepared.format {
            ExportFormat::Xlsx => (
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ),
            _ => ("text/csv; charset=utf-8", "csv"),
        };
        let body = if prepared.format == ExportFormat::Xlsx {
            match xlsx(&db, &prepared, &assets).await {
                Ok(bytes) => Body::from(bytes),
                Err(err) => return error_response(&err),
            }
        } else {
            Body::from_stream(csv_stream(
                db,
                prepared.rows.clone(),
                assets,
                prepared.extra.clone(),
            ))
        };
        let filename = format!(
            "paydesk-{}-{}.{extension}",
            prepared.format.as_str().replace('_', "-"),
            prepared.export_id
        );
        let mut response = Response::new(body);
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        for (name, value) in [
            ("x-paydesk-export-id", prepared.export_id.to_string()),
            ("x-paydesk-rows", prepared.count.to_string()),
        ] {
            if let Ok(value) = HeaderValue::from_str(&value) {
                headers.insert(name, value);
            }
        }
        response
    }

    /// PayQuicker's upload file: its header (the configured columns, then
    /// one per extra payout field) and a row per request.
    pub(crate) fn payquicker_file(
        lines: &[Line],
        columns: &[String],
        extra: &[MethodField],
    ) -> std::io::Result<Vec<u8>> {
        let header: Vec<String> = columns
            .iter()
            .cloned()
            .chain(extra.iter().map(MethodField::column))
            .collect();
        let rows = lines.iter().map(|line| {
            let mut record = line.payquicker(columns);
            record.extend(line.extras(extra));
            record.into_iter().map(defused).collect::<Vec<_>>()
        });
        csv_bytes(std::iter::once(header).chain(rows)).map(|bytes| bytes.to_vec())
    }

    /// The CSV report, one page of requests per chunk.
    fn csv_stream(
        db: DatabaseConnection,
        rows: Select<withdrawal_request::Entity>,
        assets: HashMap<i64, asset::Model>,
        extra: Vec<MethodField>,
    ) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send {
        let mut header: Vec<String> = GENERIC_HEADER.iter().map(|h| (*h).to_owned()).collect();
        header.extend(extra.iter().map(MethodField::column));
        // State: the last id written, or None before the header.
        // Fused: the compression layer may poll again after the end, which
        // a bare `unfold` answers with a panic.
        futures::StreamExt::fuse(futures::stream::unfold(Some(None::<i64>), move |state| {
            let (db, rows, assets, header, extra) = (
                db.clone(),
                rows.clone(),
                assets.clone(),
                header.clone(),
                extra.clone(),
            );
            async move {
                let after = state?;
                let Some(after) = after else {
                    return Some((csv_bytes([header]), Some(Some(0))));
                };
                let lines = match page(&db, &rows, &assets, after).await {
                    Ok(lines) => lines,
                    Err(err) => {
                        tracing::warn!(error = %err, "export: reading a page failed");
                        return Some((Err(std::io::Error::other(err.to_string())), None));
                    }
                };
                let last = lines.last()?.request.id;
                let records = lines.iter().map(|line| {
                    let mut record = line.generic();
                    record.extend(line.extras(&extra));
                    // Members type the extra answers: no cell of theirs may
                    // become a formula, in any format.
                    record.into_iter().map(defused).collect::<Vec<_>>()
                });
                Some((csv_bytes(records), Some(Some(last))))
            }
        }))
    }

    /// The Excel file. Rows go to the worksheet page by page in constant
    /// memory mode (kept in a temporary file, not in memory); only the
    /// finished, compressed file is held to send. Amounts are text cells,
    /// exactly as stored, never floating-point numbers.
    async fn xlsx(
        db: &DatabaseConnection,
        prepared: &Prepared,
        assets: &HashMap<i64, asset::Model>,
    ) -> Result<Vec<u8>, AppError> {
        use rust_xlsxwriter::{Format, Workbook};

        let mut workbook = Workbook::new();
        let bold = Format::new().set_bold();
        let sheet = workbook
            .add_worksheet_with_constant_memory()
            .map_err(AppError::internal)?;
        sheet.set_name("Requests").map_err(AppError::internal)?;
        let titles = GENERIC_HEADER
            .iter()
            .map(|title| (*title).to_owned())
            .chain(prepared.extra.iter().map(MethodField::column));
        for (col, title) in titles.enumerate() {
            sheet
                .write_string_with_format(0, col as u16, title, &bold)
                .map_err(AppError::internal)?;
        }
        let mut row: u32 = 1;
        let mut after = 0;
        loop {
            let lines = page(db, &prepared.rows, assets, after)
                .await
                .map_err(AppError::internal)?;
            let Some(last) = lines.last() else { break };
            after = last.request.id;
            for line in &lines {
                let values = line
                    .generic()
                    .into_iter()
                    .chain(line.extras(&prepared.extra));
                for (col, value) in values.enumerate() {
                    sheet
                        .write_string(row, col as u16, value)
                        .map_err(AppError::internal)?;
                }
                row += 1;
            }
        }
        tokio::task::spawn_blocking(move || workbook.save_to_buffer())
            .await
            .map_err(AppError::internal)?
            .map_err(AppError::internal)
    }
}
