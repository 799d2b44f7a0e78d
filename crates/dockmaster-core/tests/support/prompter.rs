//! A stand-in for the desktop's system prompter, for tests: it owns `org.gnome.keyring.SystemPrompter` on the
//! test's session bus and answers gnome-keyring's password prompts (create a keyring, unlock it) the way gcr's
//! prompter does — `org.gnome.keyring.internal.Prompter` with the "sx-aes-1" secret exchange (DH over the
//! 1536-bit IKE group, HKDF-SHA256, AES-128-CBC with PKCS#7 padding) — with a password the test chose. The
//! Secret Service itself is the real gnome-keyring; only the person typing the password is played by this.
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockModeEncrypt, KeyIvInit};
use base64::Engine;
use num_bigint::BigUint;
use zbus::zvariant::{OwnedObjectPath, OwnedValue};

/// The bus name gcr's `GcrSystemPrompt` (which gnome-keyring uses) sends its prompts to.
pub const BUS_NAME: &str = "org.gnome.keyring.SystemPrompter";
const OBJECT_PATH: &str = "/org/gnome/keyring/Prompter";
const CALLBACK_INTERFACE: &str = "org.gnome.keyring.internal.Prompter.Callback";
const PROTOCOL: &str = "sx-aes-1";

/// RFC 2409/3526 1536-bit MODP group ("ietf-ike-grp-modp-1536"), generator 2.
const PRIME_1536_HEX: &str =
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD\
EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED\
EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F\
83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF";

/// How the prompter answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Types the password (and confirms), as a person pressing Continue.
    Yes,
    /// Cancels, as a person pressing Cancel.
    No,
    /// Types a wrong password once, then cancels the prompt that asks again.
    WrongThenNo,
}

/// Password prompts of one conversation answered before the prompter gives up (cancels), so that a password
/// the Secret Service keeps refusing cannot make a test hang.
const MAX_TRIES: u32 = 3;

/// One prompt the prompter was asked to show, as it saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// `password` or `confirm`.
    pub kind: String,
    /// The prompt's title/message/description, joined (what a person would read).
    pub text: String,
}

/// A running prompter; it stops when dropped (the name is released and its object removed).
pub struct Prompter {
    conn: zbus::blocking::Connection,
    shown: Arc<Mutex<Vec<Shown>>>,
    padded: Arc<std::sync::atomic::AtomicU32>,
}

impl Drop for Prompter {
    fn drop(&mut self) {
        let _ = self.conn.release_name(BUS_NAME);
        // Dropping the object drops the job queue's sender: the callback thread ends.
        let _ = self.conn.object_server().remove::<Iface, _>(OBJECT_PATH);
    }
}

impl Prompter {
    /// Takes `BUS_NAME` on the session bus (fails when someone else holds it) and answers every prompt.
    pub fn start(password: &str, answer: Answer) -> zbus::Result<Prompter> {
        let shown = Arc::new(Mutex::new(Vec::new()));
        let padded = Arc::new(std::sync::atomic::AtomicU32::new(0));
        let (tx, rx) = mpsc::channel::<Job>();
        let iface = Iface {
            password: password.to_string(),
            answer,
            shown: shown.clone(),
            padded: padded.clone(),
            sessions: Arc::new(Mutex::new(HashMap::new())),
            jobs: Mutex::new(tx),
        };
        let conn = zbus::blocking::connection::Builder::session()?
            .serve_at(OBJECT_PATH, iface)?
            .name(BUS_NAME)?
            .build()?;
        let caller = conn.clone();
        std::thread::spawn(move || {
            for job in rx {
                // Let the method's reply go out before the callback, as gcr's prompter does.
                std::thread::sleep(Duration::from_millis(30));
                let _ = match job {
                    Job::Ready { to, path, reply, exchange } => caller.call_method(
                        Some(to.as_str()),
                        path.as_str(),
                        Some(CALLBACK_INTERFACE),
                        "PromptReady",
                        &(reply, HashMap::<String, OwnedValue>::new(), exchange),
                    ),
                    Job::Done { to, path } => caller.call_method(
                        Some(to.as_str()),
                        path.as_str(),
                        Some(CALLBACK_INTERFACE),
                        "PromptDone",
                        &(),
                    ),
                };
            }
        });
        Ok(Prompter { conn, shown, padded })
    }

    /// Every prompt shown so far.
    pub fn shown(&self) -> Vec<Shown> {
        self.shown.lock().unwrap().clone()
    }

    /// Conversations whose shared secret had leading zero bytes (where gcr's padding convention matters).
    pub fn padded(&self) -> u32 {
        self.padded.load(std::sync::atomic::Ordering::Relaxed)
    }
}

enum Job {
    Ready { to: String, path: OwnedObjectPath, reply: String, exchange: String },
    Done { to: String, path: OwnedObjectPath },
}

/// One prompting conversation (per caller and callback path): our DH key pair, and the AES key once derived.
struct Exchange {
    private: BigUint,
    public: Vec<u8>,
    key: Option<[u8; 16]>,
    /// Password prompts answered in this conversation.
    tries: u32,
}

struct Iface {
    password: String,
    answer: Answer,
    shown: Arc<Mutex<Vec<Shown>>>,
    padded: Arc<std::sync::atomic::AtomicU32>,
    sessions: Arc<Mutex<HashMap<(String, String), Exchange>>>,
    jobs: Mutex<mpsc::Sender<Job>>,
}

fn prime() -> BigUint {
    BigUint::parse_bytes(PRIME_1536_HEX.as_bytes(), 16).unwrap()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// `[sx-aes-1]` key file fields.
fn fields(text: &str) -> HashMap<String, String> {
    let mut section = String::new();
    let mut out = HashMap::new();
    for line in text.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_string();
        } else if let Some((k, v)) = line.split_once('=') {
            if section == PROTOCOL {
                out.insert(k.trim().to_string(), v.trim().to_string());
            }
        }
    }
    out
}

impl Exchange {
    fn new() -> Exchange {
        let p = prime();
        let mut bytes = [0u8; 192];
        getrandom::fill(&mut bytes).unwrap();
        bytes[0] &= 0x7f; // below the prime
        let private = BigUint::from_bytes_be(&bytes);
        let public = BigUint::from(2u32).modpow(&private, &p).to_bytes_be();
        Exchange { private, public, key: None, tries: 0 }
    }

    /// Derives the transport key; true when the shared secret had leading zero bytes (padded).
    fn derive(&mut self, peer: &[u8]) -> bool {
        let p = prime();
        let shared = BigUint::from_bytes_be(peer).modpow(&self.private, &p).to_bytes_be();
        let padded = shared.len() < 192;
        // gcr pads the shared secret to the prime's length (egg_dh_gen_secret); a secret with a leading zero byte
        // is the only case where that matters (about 1 in 256: 1 500 creations against Debian's gcr 3.41 had 7
        // such conversations, all accepted).
        let mut ikm = vec![0u8; 192usize.saturating_sub(shared.len())];
        ikm.extend_from_slice(&shared);
        let hk = hkdf::Hkdf::<sha2_v11::Sha256>::new(None, &ikm);
        let mut key = [0u8; 16];
        hk.expand(&[], &mut key).unwrap();
        self.key = Some(key);
        padded
    }

    fn begin(&self) -> String {
        format!("[{PROTOCOL}]\npublic={}\n", b64(&self.public))
    }

    fn send(&self, secret: Option<&str>) -> String {
        let mut out = self.begin();
        if let (Some(secret), Some(key)) = (secret, self.key) {
            let mut iv = [0u8; 16];
            getrandom::fill(&mut iv).unwrap();
            let cipher = cbc::Encryptor::<aes::Aes128>::new(&key.into(), &iv.into());
            let sealed = cipher.encrypt_padded_vec::<Pkcs7>(secret.as_bytes());
            out.push_str(&format!("secret={}\niv={}\n", b64(&sealed), b64(&iv)));
        }
        out
    }
}

fn sender(header: &zbus::message::Header<'_>) -> String {
    header.sender().map(|s| s.to_string()).unwrap_or_default()
}

#[zbus::interface(name = "org.gnome.keyring.internal.Prompter")]
impl Iface {
    fn begin_prompting(&self, #[zbus(header)] header: zbus::message::Header<'_>, callback: OwnedObjectPath) {
        let to = sender(&header);
        let exchange = Exchange::new();
        let begin = exchange.begin();
        self.sessions.lock().unwrap().insert((to.clone(), callback.to_string()), exchange);
        let job = Job::Ready { to, path: callback, reply: String::new(), exchange: begin };
        let _ = self.jobs.lock().unwrap().send(job);
    }

    fn perform_prompt(
        &self,
        #[zbus(header)] header: zbus::message::Header<'_>,
        callback: OwnedObjectPath,
        kind: String,
        properties: HashMap<String, OwnedValue>,
        exchange: String,
    ) -> zbus::fdo::Result<()> {
        let to = sender(&header);
        let text = ["title", "message", "description"]
            .iter()
            .filter_map(|k| properties.get(*k).and_then(|v| String::try_from(v.clone()).ok()))
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" / ");
        self.shown.lock().unwrap().push(Shown { kind: kind.clone(), text });
        let mut sessions = self.sessions.lock().unwrap();
        let session = sessions
            .get_mut(&(to.clone(), callback.to_string()))
            .ok_or_else(|| zbus::fdo::Error::Failed("not begun prompting for this callback".into()))?;
        let peer = fields(&exchange)
            .get("public")
            .and_then(|p| base64::engine::general_purpose::STANDARD.decode(p).ok())
            .ok_or_else(|| zbus::fdo::Error::InvalidArgs("no public key in the secret exchange".into()))?;
        if session.key.is_none() && session.derive(&peer) {
            self.padded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        if kind == "password" {
            session.tries += 1;
        }
        let wrong = format!("not-{}", self.password);
        let (reply, sent) = match (self.answer, kind.as_str()) {
            _ if session.tries > MAX_TRIES => ("no", session.send(None)),
            (Answer::No, _) => ("no", session.send(None)),
            (Answer::WrongThenNo, "password") if session.tries == 1 => ("yes", session.send(Some(&wrong))),
            (Answer::WrongThenNo, _) => ("no", session.send(None)),
            (Answer::Yes, "password") => ("yes", session.send(Some(&self.password))),
            (Answer::Yes, _) => ("yes", session.send(None)),
        };
        let job = Job::Ready { to, path: callback, reply: reply.to_string(), exchange: sent };
        let _ = self.jobs.lock().unwrap().send(job);
        Ok(())
    }

    fn stop_prompting(&self, #[zbus(header)] header: zbus::message::Header<'_>, callback: OwnedObjectPath) {
        let to = sender(&header);
        self.sessions.lock().unwrap().remove(&(to.clone(), callback.to_string()));
        let _ = self.jobs.lock().unwrap().send(Job::Done { to, path: callback });
    }
}
