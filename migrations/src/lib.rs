//! Database schema for Paydesk, as an ordered list of sea-orm migrations.
//!
//! Migrations are the source of truth for the schema. They never import the
//! application's entities: an entity describes today's table, a migration
//! describes one step in its history, and the two must not drift together.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_create_accounts;
mod m20261122_000002_create_ledger;
mod m20261122_000003_create_member_area;
mod m20261122_000004_create_payout_exports;
mod m20261122_000005_create_incentives;
mod m20261122_000006_email_delivery;
mod m20261130_000007_paypal_payouts;
mod m20261130_000008_requests_on_behalf;
mod m20261130_000009_payout_runs;
mod m20261130_000010_payout_schedules;
mod m20261130_000011_payout_method_fields;
pub mod m20261201_000012_ledger_guards;
mod m20261201_000013_sign_in_attempts;
mod m20261201_000014_payment_files;
mod m20261202_000015_email_confirmation;
mod m20261202_000016_paypal_alerts;
mod m20261202_000017_api_key_expiry;
mod m20261202_000018_reset_requests;
mod m20261203_000019_team_roles;
mod m20261203_000020_second_approvals;
mod m20261204_000021_two_factor;
mod m20261204_000022_sealed_tax_ids;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_create_accounts::Migration),
            Box::new(m20261122_000002_create_ledger::Migration),
            Box::new(m20261122_000003_create_member_area::Migration),
            Box::new(m20261122_000004_create_payout_exports::Migration),
            Box::new(m20261122_000005_create_incentives::Migration),
            Box::new(m20261122_000006_email_delivery::Migration),
            Box::new(m20261130_000007_paypal_payouts::Migration),
            Box::new(m20261130_000008_requests_on_behalf::Migration),
            Box::new(m20261130_000009_payout_runs::Migration),
            Box::new(m20261130_000010_payout_schedules::Migration),
            Box::new(m20261130_000011_payout_method_fields::Migration),
            Box::new(m20261201_000012_ledger_guards::Migration),
            Box::new(m20261201_000013_sign_in_attempts::Migration),
            Box::new(m20261201_000014_payment_files::Migration),
            Box::new(m20261202_000015_email_confirmation::Migration),
            Box::new(m20261202_000016_paypal_alerts::Migration),
            Box::new(m20261202_000017_api_key_expiry::Migration),
            Box::new(m20261202_000018_reset_requests::Migration),
            Box::new(m20261203_000019_team_roles::Migration),
            Box::new(m20261203_000020_second_approvals::Migration),
            Box::new(m20261204_000021_two_factor::Migration),
            Box::new(m20261204_000022_sealed_tax_ids::Migration),
        ]
    }
}
