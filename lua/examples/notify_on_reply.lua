-- lua/examples/notify_on_reply.lua: post a notification and send a mail
-- from a template when an agent replies to a case (portico.notify,
-- portico.mail in an action hook; both go through the outbox).

portico.on("case.replied", function(ev)
  if ev.by_agent then
    portico.notify{ user = ev.requester, kind = "support.case_replied",
                    text = "New reply on case " .. tostring(ev.number) }
    portico.mail{ to = ev.requester_email, template = "support/case_replied", data = ev }
  end
end)
