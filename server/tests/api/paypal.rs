//! The PayPal Payouts client against a local server speaking the API:
//! the token is cached, a retry after a 5xx or a lost answer reuses the
//! sender_batch_id and ends with one batch, and refusals are definitive.

use app::paypal::client::{PayPalClient, PayPalConfig, PayPalError, PayoutItem};
use paydesk_server::paypal_fake::{Failure, FakePayPal, CLIENT_ID, CLIENT_SECRET};
use std::time::Duration;

async fn client(fake: &FakePayPal, secret: &str) -> PayPalClient {
    PayPalClient::new(
        PayPalConfig {
            base_url: fake.base_url.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: secret.into(),
        },
        Duration::from_secs(5),
    )
    .unwrap()
}

fn items() -> Vec<PayoutItem> {
    (1..=2)
        .map(|n| PayoutItem {
            sender_item_id: n.to_string(),
            receiver: format!("member{n}@example.com"),
            value: format!("{n}0.00"),
            currency: "USD".into(),
            note: "Your payout".into(),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_is_created_under_our_id_with_one_cached_token() {
    let fake = FakePayPal::start().await.unwrap();
    let paypal = client(&fake, CLIENT_SECRET).await;
    let header = paypal
        .create_batch("batch-1", "Your payout", &items())
        .await
        .unwrap();
    assert_eq!(header.sender_batch_id, "batch-1");
    assert_eq!(header.batch_status, "PENDING");
    let second = paypal
        .create_batch("batch-2", "Your payout", &items())
        .await
        .unwrap();
    assert_ne!(second.payout_batch_id, header.payout_batch_id);
    assert_eq!(
        fake.tokens_issued(),
        1,
        "the token is reused until it expires"
    );

    fake.set_item_status("2", "SUCCESS");
    let batch = paypal.get_batch(&header.payout_batch_id).await.unwrap();
    assert_eq!(batch.items.len(), 2);
    let statuses: Vec<(&str, &str)> = batch
        .items
        .iter()
        .map(|i| (i.sender_item_id.as_str(), i.transaction_status.as_str()))
        .collect();
    assert_eq!(statuses, vec![("1", "PENDING"), ("2", "SUCCESS")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_or_a_lost_answer_is_ambiguous_and_the_retry_makes_one_batch() {
    let fake = FakePayPal::start().await.unwrap();
    let paypal = client(&fake, CLIENT_SECRET).await;

    // 500 with nothing created: ambiguous to us; the retry creates it.
    fake.fail_next(&[Failure::Refuse]);
    let first = paypal.create_batch("batch-a", "Payout", &items()).await;
    assert!(matches!(first, Err(PayPalError::Ambiguous(_))), "{first:?}");
    let header = paypal
        .create_batch("batch-a", "Payout", &items())
        .await
        .unwrap();
    assert_eq!(fake.batch_count(), 1);

    // Created, then the answer is lost: the retry finds the same batch.
    fake.fail_next(&[Failure::LoseAnswer]);
    let lost = paypal.create_batch("batch-b", "Payout", &items()).await;
    assert!(matches!(lost, Err(PayPalError::Ambiguous(_))), "{lost:?}");
    let found = paypal
        .create_batch("batch-b", "Payout", &items())
        .await
        .unwrap();
    assert_eq!(found.sender_batch_id, "batch-b");
    assert_eq!(fake.batch_count(), 2);
    // And a plain repeat of a created batch resolves to it, not a new one.
    let again = paypal
        .create_batch("batch-a", "Payout", &items())
        .await
        .unwrap();
    assert_eq!(again.payout_batch_id, header.payout_batch_id);
    assert_eq!(fake.batch_count(), 2);
    assert_eq!(fake.creates(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_and_unknown_batches_are_refused() {
    let fake = FakePayPal::start().await.unwrap();
    let paypal = client(&fake, "not the secret").await;
    let refused = paypal.create_batch("batch-x", "Payout", &items()).await;
    assert!(
        matches!(refused, Err(PayPalError::Refused { status: 401, .. })),
        "{refused:?}"
    );
    assert_eq!(fake.creates(), 0);
    let paypal = client(&fake, CLIENT_SECRET).await;
    let missing = paypal.get_batch("NOPE").await;
    assert!(
        matches!(missing, Err(PayPalError::Refused { status: 404, .. })),
        "{missing:?}"
    );
    // Nothing listening: ambiguous, never a refusal.
    let gone = PayPalClient::new(
        PayPalConfig {
            base_url: "http://127.0.0.1:9".into(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
        },
        Duration::from_secs(2),
    )
    .unwrap();
    let unreachable = gone.create_batch("batch-y", "Payout", &items()).await;
    assert!(
        matches!(unreachable, Err(PayPalError::Ambiguous(_))),
        "{unreachable:?}"
    );
}
