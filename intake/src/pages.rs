//! The staff inbox's templates (`intake/templates/`), compiled into the
//! binary. minijinja escapes every value in them, as `.html` templates.

/// The templates.
pub fn environment() -> minijinja::Environment<'static> {
    let mut env = minijinja::Environment::new();
    for (name, text) in [
        ("base.html", include_str!("../templates/base.html")),
        ("login.html", include_str!("../templates/login.html")),
        ("list.html", include_str!("../templates/list.html")),
        ("show.html", include_str!("../templates/show.html")),
        ("refused.html", include_str!("../templates/refused.html")),
    ] {
        env.add_template(name, text)
            .expect("the inbox's templates parse");
    }
    env
}
