fn main() {
    println!("arb");
}
