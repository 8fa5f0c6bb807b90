// Run inside Thunderbird by the test hook: writes what Thunderbird's own account manager loaded
// as JSON to $MAIL_SETUP_TB_REPORT.
/* global environment, Services, ChromeUtils, Components */
"use strict";
{
  const Ci = Components.interfaces;
  const report = {};
  try {
    const { MailServices } = ChromeUtils.importESModule("resource:///modules/MailServices.sys.mjs");
    const manager = MailServices.accounts;
    report.version = Services.appinfo.version;
    report.profile = Services.dirsvc.get("ProfD", Ci.nsIFile).path;
    report.defaultAccount = manager.defaultAccount ? manager.defaultAccount.key : null;
    report.accounts = [];
    for (const account of manager.accounts) {
      const server = account.incomingServer;
      const entry = {
        key: account.key,
        server: {
          key: server.key,
          type: server.type,
          hostname: server.hostName !== undefined ? server.hostName : server.hostname,
          port: server.port,
          socketType: server.socketType,
          username: server.username,
          authMethod: server.authMethod,
          prettyName: server.prettyName,
        },
        identities: [],
      };
      if (server.type == "pop3") {
        entry.server.leaveOnServer =
          server.QueryInterface(Ci.nsIPop3IncomingServer).leaveMessagesOnServer;
      }
      for (const identity of account.identities) {
        const id = {
          key: identity.key,
          fullName: identity.fullName,
          email: identity.email,
          valid: identity.valid,
          smtpServerKey: identity.smtpServerKey,
        };
        const outgoing = MailServices.outgoingServer.getServerByIdentity(identity);
        if (outgoing) {
          const smtp = outgoing.QueryInterface(Ci.nsISmtpServer);
          id.outgoing = {
            key: outgoing.key,
            type: outgoing.type,
            hostname: smtp.hostname,
            port: smtp.port,
            socketType: outgoing.socketType,
            username: outgoing.username,
            authMethod: outgoing.authMethod,
            description: outgoing.description,
          };
        }
        entry.identities.push(id);
      }
      report.accounts.push(entry);
    }
    report.outgoingServers = MailServices.outgoingServer.servers.map(s => s.key);
    report.defaultOutgoingServer = MailServices.outgoingServer.defaultServer
      ? MailServices.outgoingServer.defaultServer.key : null;
  } catch (e) {
    report.error = String(e) + "\n" + e.stack;
  }

  // UTF-8, whatever the names hold.
  const text = unescape(encodeURIComponent(JSON.stringify(report, null, 1)));
  const file = Components.classes["@mozilla.org/file/local;1"].createInstance(Ci.nsIFile);
  file.initWithPath(environment.get("MAIL_SETUP_TB_REPORT"));
  const stream = Components.classes["@mozilla.org/network/file-output-stream;1"]
    .createInstance(Ci.nsIFileOutputStream);
  stream.init(file, 0x02 | 0x08 | 0x20, 0o600, 0);
  stream.write(text, text.length);
  stream.close();
}
