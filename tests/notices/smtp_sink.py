"""A local SMTP server for test_notices (Debian's python3-aiosmtpd): takes
AUTH LOGIN/PLAIN without TLS for the one user and password it is given,
and writes each message it takes, decoded, to DIR/mail-N.txt: the
envelope's recipients, the subject, the Message-ID, then the body.

With CERT and KEY it offers STARTTLS with that certificate and takes no
login and no mail before it (require_starttls), and each file says
whether the message came over TLS.

Usage: smtp_sink.py PORT DIR USER PASSWORD [CERT KEY]"""
import email
import email.policy
import os
import signal
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

port, out, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login.decode() == user and auth_data.password.decode() == password
    return AuthResult(success=ok)


class Sink:
    count = 0

    async def handle_DATA(self, server, session, envelope):
        Sink.count += 1
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = "To: %s\nAuth: %s\nTLS: %s\nSubject: %s\nMessage-ID: %s\n\n%s" % (
            ",".join(envelope.rcpt_tos), session.authenticated, session.ssl is not None, msg["subject"],
            msg["message-id"], msg.get_content())
        path = os.path.join(out, "mail-%d.txt" % Sink.count)
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write(text)
        os.rename(path + ".tmp", path)
        return "250 OK"


tls = {}
if len(sys.argv) > 6:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(sys.argv[5], sys.argv[6])
    tls = {"tls_context": context, "require_starttls": True}
controller = Controller(Sink(), hostname="127.0.0.1", port=port, authenticator=authenticator,
                        auth_require_tls=bool(tls), auth_required=True, **tls)
controller.start()
signal.sigwait({signal.SIGTERM, signal.SIGINT})
controller.stop()
