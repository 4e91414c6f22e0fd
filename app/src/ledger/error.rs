//! What a ledger operation can refuse, and its database faults.

use sea_orm::DbErr;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("Insufficient funds")]
    InsufficientFunds { wallet_id: i64 },
    #[error(
        "A transfer must move a positive amount between two different wallets of the same asset"
    )]
    MalformedTransfer,
    #[error("Unknown asset {0}")]
    UnknownAsset(String),
    /// The credit would carry a balance past what an i64 of minor units
    /// holds; refused rather than wrapped or reported as a database error.
    #[error(
        "That would take a wallet's balance past the largest amount Paydesk can hold, so nothing \
         was moved. Check the amount"
    )]
    BalanceOverflow { wallet_id: i64 },
    #[error(transparent)]
    Db(#[from] DbErr),
}
