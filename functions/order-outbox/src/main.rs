//! The order-outbox Lambda binary: the shared shell builds the function from its
//! declaration.

fn main() -> Result<(), lambda_runtime::Error> {
    orderly_aws::run::<order_outbox::OrderOutbox>()
}
