// `#[model_signals]` only goes on `impl ActiveModelBehavior for ActiveModel`.

#[signals::model_signals]
struct NotAnImpl;

trait Other {}

#[signals::model_signals]
impl Other for NotAnImpl {}

#[signals::model_signals]
impl NotAnImpl {}

#[signals::model_signals(sender = NotAnImpl)]
impl Other for () {}

fn main() {}
