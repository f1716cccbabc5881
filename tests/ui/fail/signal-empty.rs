use signals::signal;

signal! {}

fn main() {}
