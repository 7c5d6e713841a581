// Symbolizer fixture: Rust, built twice (legacy and v0 symbol mangling), with generics, traits and inlining.
mod shapes {
    pub trait Area {
        fn area(&self) -> f64;
    }
    pub struct Square(pub f64);
    pub struct Circle(pub f64);
    impl Area for Square {
        #[inline(never)]
        fn area(&self) -> f64 { self.0 * self.0 }
    }
    impl Area for Circle {
        #[inline(never)]
        fn area(&self) -> f64 { 3.14159 * self.0 * self.0 }
    }
    #[inline(never)]
    pub fn total<T: Area>(items: &[T]) -> f64 {
        items.iter().map(|i| i.area()).sum()
    }
}

#[inline(always)]
fn scale(x: f64) -> f64 { x * 1.5 + 2.0 }

#[inline(never)]
fn run(n: usize) -> f64 {
    let squares: Vec<shapes::Square> = (0..n).map(|i| shapes::Square(scale(i as f64))).collect();
    let circles: Vec<shapes::Circle> = (0..n).map(|i| shapes::Circle(i as f64)).collect();
    shapes::total(&squares) + shapes::total(&circles)
}

fn main() {
    let n = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100);
    println!("{}", run(n));
}
