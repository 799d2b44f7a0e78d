//! Fixes named for the face that shows them: the CLI names its commands, the window its buttons. A message
//! that tells the user what to do is written once, with its [`Step`]s rendered for each [`Face`].

/// Who reads a text: the terminal (`dockmaster …`) or the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Cli,
    Window,
}

/// Something the user does to fix a problem, as each face offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<'a> {
    /// Store a secret's value in the keychain.
    SetSecret(&'a str),
    /// Generate a strong value for a secret into the keychain.
    GenerateSecret(&'a str),
    /// Remove a secret from the keychain.
    RemoveSecret(&'a str),
    /// Set a non-secret variable (`.env` or the environment).
    SetVariable(&'a str),
    /// Ask the Secret Service to create a default keychain (the desktop asks for its password).
    CreateKeychain,
    /// Ask the Secret Service to unlock the default keychain (the desktop asks for its password).
    UnlockKeychain,
    /// Generate the missing secrets, write the suggested values, then start.
    FixAndStart,
    /// Run the preflight on its own (which port is taken, by whom, and the variable that moves it).
    Preflight,
}

impl Step<'_> {
    /// The step's name: a command for the CLI (in backquotes), a button for the window.
    pub fn named(self, face: Face) -> String {
        match (self, face) {
            (Step::SetSecret(n), Face::Cli) => format!("`dockmaster secret set {n}`"),
            (Step::SetSecret(n), Face::Window) => format!("Set {n}"),
            (Step::GenerateSecret(n), Face::Cli) => format!("`dockmaster secret generate {n}`"),
            (Step::GenerateSecret(n), Face::Window) => format!("Generate on {n}'s row in Environment"),
            (Step::RemoveSecret(n), Face::Cli) => format!("`dockmaster secret rm {n}`"),
            (Step::RemoveSecret(n), Face::Window) => format!("Delete on {n}'s row in Environment"),
            (Step::SetVariable(n), Face::Cli) => format!("set {n} in .env or the environment"),
            (Step::SetVariable(n), Face::Window) => format!("Set {n}"),
            (Step::CreateKeychain, Face::Cli) => "`dockmaster keychain create`".into(),
            (Step::CreateKeychain, Face::Window) => "Create keychain".into(),
            (Step::UnlockKeychain, Face::Cli) => "`dockmaster keychain unlock`".into(),
            (Step::UnlockKeychain, Face::Window) => "Unlock keychain".into(),
            (Step::FixAndStart, Face::Cli) => "`dockmaster up --fix`".into(),
            (Step::FixAndStart, Face::Window) => "Fix and start".into(),
            (Step::Preflight, Face::Cli) => "`dockmaster preflight`".into(),
            (Step::Preflight, Face::Window) => "Start".into(),
        }
    }

    /// The step as an instruction: "run `dockmaster …`" for the CLI, "press …" for the window (a variable
    /// to set is a sentence of its own in the terminal).
    pub fn run(self, face: Face) -> String {
        match (self, face) {
            (Step::SetVariable(_), Face::Cli) => self.named(face),
            (Step::SetSecret(_), Face::Cli) => {
                format!("run {} (value from stdin or a hidden prompt)", self.named(face))
            }
            (_, Face::Cli) => format!("run {}", self.named(face)),
            (_, Face::Window) => format!("press {}", self.named(face)),
        }
    }
}

/// `text` with its first letter in capitals.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_names_commands_and_the_window_buttons() {
        let steps = [
            Step::SetSecret("JWT_SECRET"),
            Step::GenerateSecret("JWT_SECRET"),
            Step::RemoveSecret("JWT_SECRET"),
            Step::SetVariable("ADMIN_USERNAME"),
            Step::CreateKeychain,
            Step::UnlockKeychain,
            Step::FixAndStart,
            Step::Preflight,
        ];
        for step in steps {
            let cli = step.run(Face::Cli);
            let window = step.run(Face::Window);
            assert!(!window.contains("dockmaster") && !window.contains('`'), "{step:?}: {window}");
            assert!(window.starts_with("press "), "{step:?}: {window}");
            if step != Step::SetVariable("ADMIN_USERNAME") {
                assert!(cli.starts_with("run `dockmaster "), "{step:?}: {cli}");
            }
        }
        assert_eq!(Step::CreateKeychain.run(Face::Window), "press Create keychain");
        assert_eq!(Step::FixAndStart.named(Face::Cli), "`dockmaster up --fix`");
        assert_eq!(capitalized("press Set X"), "Press Set X");
        assert_eq!(capitalized(""), "");
    }
}
