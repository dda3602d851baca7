### expire-bot: everything people read in Slack, in English (UI_LANGUAGE=en).
###
### The Korean catalogue (locales/ko/expire-bot.ftl) has exactly the same ids, attributes and
### variables; tests in src/i18n.rs fail when they drift apart. See docs/I18N.md.
###
### Kinds and Slack's limits. The last part of a key says what kind of Slack text it is: the
### attribute name (`request-modal.title` → title), else the last word of the id
### (`approval-approve-button` → button). The tests hold every kind to its limit, in both
### languages, after formatting with long values:
###   title, submit, close ≤ 24 · confirm, deny ≤ 30 · button, option, description ≤ 75
###   placeholder ≤ 150 · body (a confirm dialog's text) ≤ 300 · label, hint ≤ 2000
###   anything else (section text, messages, input errors) ≤ 3000
###
### Variables. IDs, masked personal data and policy numbers arrive exactly as shown (IDs as
### text, never as numbers); counts arrive as numbers (they drive the plurals); times arrive
### already formatted for DISPLAY_TZ by src/i18n.rs (`2026-12-01 (Tue) 15:30 KST`); free text
### people typed (reasons, notes) and insurer names arrive escaped for Slack mrkdwn.
### User and channel IDs arrive bare: the catalogue writes the `<@…>` / `<#…>` around them.

-bot = expire-bot
-command = /expire-insurance

## Shared pieces that other messages refer to (never shown on their own)

# A request's status word. $status: PENDING, APPROVED, REJECTED, TIMED_OUT, CANCELLED.
request-status =
    { $status ->
        [PENDING] pending
        [APPROVED] approved
        [REJECTED] rejected
        [TIMED_OUT] timed out
        [CANCELLED] withdrawn
       *[other] { $status }
    }
# Who decided. $decider: a Slack user ID, or "none" when nobody is recorded.
decider =
    { $decider ->
        [none] { -bot }
       *[other] <@{ $decider }>
    }
# A rider's membership. $rider_status: ACTIVE or WITHDRAWN.
member-status =
    { $rider_status ->
        [WITHDRAWN] withdrawn member
       *[other] active member
    }
# A policy's state in the history. $policy_status: ACTIVE or EXPIRED (English keeps the codes).
policy-status =
    { $policy_status ->
        [ACTIVE] ACTIVE
        [EXPIRED] EXPIRED
       *[other] { $policy_status }
    }
# Shown for a time or value that is not recorded.
value-missing = -
# Between the items of a list in running text (the riders of a history answer).
list-separator = {", "}
# A span of time (SECOND_APPROVAL_BACKDATE). $unit: day, hour, minute, second; $amount: how many.
span =
    { $unit ->
        [day] { $amount ->
            [one] { $amount } day
           *[other] { $amount } days
        }
        [hour] { $amount ->
            [one] { $amount } hour
           *[other] { $amount } hours
        }
        [minute] { $amount ->
            [one] { $amount } minute
           *[other] { $amount } minutes
        }
       *[second] { $amount ->
            [one] { $amount } second
           *[other] { $amount } seconds
        }
    }

## /expire-insurance help: the ephemeral help, one line each
help-request-line = */expire-insurance [rider ID or phone]* — file a request to expire a rider's hourly insurance after the insurer cancelled it; a lead approves it in the approvals channel.
help-history-line = */expire-insurance history <rider ID or phone>* — every expiry request for that rider's policies (who filed, who decided, what changed), shown only to you.
help-help-line = */expire-insurance help* — this help. Phones may be typed in any common form (010-1234-5678, +82 10-1234-5678); withdrawn riders are found too.

## Who may file: answers to the slash command, the digest's buttons and (the last two) the
## request form, when the requester rule refuses or cannot be checked
access-not-a-requester = You are not on the list of people who may file insurance expiry requests. Ask the CX leads to add you.
# The user group that says who may file cannot be read. $code: Slack's error code.
access-group-unreadable = I can't confirm that you may file requests: Slack refuses to list the user group that says who may (Slack said `{ $code }`). Nothing was changed. The bot's operators are alerted; please try again later.
# The user group's member list is too old to trust, or not read yet.
access-group-stale = I couldn't check whether you may file requests: Slack hasn't answered my questions about the user group lately. Nothing was changed; please try again in a few minutes.
# A guest, a deactivated account or someone of another workspace (refused whatever the requester list says).
access-not-a-member = Only full members of this workspace may look riders up or file expiry requests; guests and people of other workspaces may not.
# Slack refuses to show the person's profile (users.info). $code: Slack's error code.
access-profile-unreadable = I can't confirm who you are: Slack refuses to show your profile (Slack said `{ $code }`). Nothing was changed. The bot's operators are alerted; please try again later.
# A request from another workspace or app (or before the bot knows its own).
access-foreign-workspace = This bot only serves its own Slack workspace. Nothing was done.
# One person's lookup limit is reached. $max: the number of lookups, $minutes: the window in minutes.
lookup-limit-reached = You have run { $max } rider lookups within { $minutes } minutes, as many as one person may. Nothing was looked up; please try again later, or ask a CX lead if you need more.

## Shortcuts (the ⚡ menu, a message's "More actions"): the small window shown when the
## request form may not be opened (a shortcut has no channel for an ephemeral answer). Its
## text is one of the access-* messages above.
shortcut-notice-modal =
    .title = Expire insurance
    .close = Close

## /expire-insurance: ephemeral answers when the request modal cannot be opened
# $code: Slack's error code, e.g. expired_trigger_id.
command-open-form-failed = I couldn't open the request form (Slack said `{ $code }`). Please run the command again.
# Slack had not opened the form by the time the command had to be answered.
command-open-form-slow = Opening the request form… Slack is slow right now, so it may take a few seconds. If it doesn't open, I'll tell you here.
command-open-form-internal = Something went wrong on our side while opening the request form. Please run the command again.

## Request modal (first step, opened by the command or a digest's "File request…")
request-modal =
    .title = Expire insurance
    .submit = Look up
    .close = Cancel
# $required: approvals every request needs (APPROVALS_REQUIRED).
request-modal-intro =
    Expire a rider's hourly insurance after the insurer cancelled it. { $required ->
        [1] A lead approves
       *[other] { $required } different leads approve
    } before anything changes.
request-rider-input =
    .label = Rider
    .placeholder = Rider ID, or phone such as 010-1234-5678
    .hint = Withdrawn riders are found too.
request-cancelled-at-input =
    .label = Cancelled at the insurer
    .hint = When the rider asked the insurer to cancel. The policy ends then.
# The same hint when SECOND_APPROVAL_BACKDATE is on. $span: its length; $more_required = $required + 1.
request-cancelled-at-backdate-input =
    .hint =
        When the rider asked the insurer to cancel. The policy ends then. A time more than { $span } back needs { $more_required } approvals from different leads instead of { $required ->
            [1] one
           *[other] { $required }
        }.
request-reason-input =
    .label = Reason and CX ticket
    .placeholder = e.g. Cancelled with the insurer by phone, CX-12345

## Request modal: errors shown under an input (response_action: errors)
request-error-not-a-requester = You are not on the list of people who may file expiry requests.
request-error-time-missing = Pick the date and time the rider cancelled with the insurer.
request-error-time-in-future = That time is in the future. Pick when the rider actually cancelled with the insurer.
# $began: when the policy began (a formatted time).
request-error-time-before-policy = The policy only began at { $began }; the cancellation cannot be earlier than that.
request-error-lookup-unavailable = The rider lookup is unavailable right now (the read database isn't answering in time). Nothing was filed; please try again in a minute.
request-error-no-active-policy = I found the rider, but they have no active hourly policy, so there is nothing to expire.
request-error-no-rider = No rider matches that ID or phone number (withdrawn riders included). Check the number and try again.
# Also the answer to a bulk filing that failed on our side.
error-nothing-filed-internal = Something went wrong on our side and nothing was filed. Please try again; if it keeps happening, tell the backend team.

## What the agent typed, refused (under the rider or reason input; the history answer too)
query-error-empty = Type a rider ID or a phone number.
query-error-not-recognised = That is neither a rider ID nor a Korean mobile number (e.g. 010-1234-5678).
query-error-too-long = That is too long for a rider ID or a phone number. Type just one of them.
reason-error-empty = Say why, and give the CX ticket.
reason-error-too-long = Keep the reason under 1,000 characters.
# The reason grew past the limit when the personal data in it was masked.
reason-error-masked-too-long = With the personal data in it masked, the reason is over 1,000 characters. Please shorten it.

## Choice step: the modal when several policies match
choice-modal =
    .title = Choose the policy
    .submit = File request
    .close = Cancel
# $policies: candidate policies; $riders: rider accounts they belong to.
choice-intro = *{ $policies } { $policies ->
        [one] active policy
       *[other] active policies
    }* { $policies ->
        [one] belongs
       *[other] belong
    } to *{ $riders }* rider { $riders ->
        [one] account
       *[other] accounts
    } matching what you typed. A withdrawn account and a newer one can share a phone number: pick the policy the rider cancelled.
choice-policy-input =
    .label = Policy to expire
    .placeholder = Choose a policy
# One option per policy: the text names the policy (the masked number first, so a cut only
# shortens the insurer); the description names the rider: masked name, member status (what
# tells a withdrawn account from the new one), phone, and since when the policy runs.
choice-policy-option = { $policy } · { $insurer }
choice-active-description = { $name } · active member · { $phone } · since { $valid_from }
choice-withdrawn-description = { $name } · withdrawn · { $phone } · since { $valid_from }
choice-withdrawn-on-description = { $name } · withdrawn { $withdrawn_on } · { $phone } · since { $valid_from }

## Choice step: errors shown under the policy input
choice-error-form-expired = This form has expired. Close it and run { -command } again.
# The masked reason was refused at the choice step, which has no reason input: start again.
choice-error-masked-reason-empty = Say why, and give the CX ticket. Close this form and run { -command } again.
choice-error-masked-reason-too-long = With the personal data in it masked, the reason is over 1,000 characters. Please shorten it. Close this form and run { -command } again.
choice-error-choose-one = Choose one of the policies.
choice-error-policy-gone = That policy is no longer active (it may have just been expired). Nothing to do for it.

## Filing, from either step: errors shown under the input
filing-error-already-pending = Request #{ $request_id } for this policy is already waiting for a lead's decision; no new request was filed.
# The same form (the same Slack view) already filed a request: replayed or submitted twice.
filing-error-already-filed = This form already filed request #{ $request_id }; nothing new was filed. Close it, and run /expire-insurance again for another request.
filing-error-db-unavailable = The database isn't answering, so nothing was filed. Please try again in a minute.
# Filing went on past the answer; the agent is told by direct message how it ends.
filing-error-slow = Still filing: the database is slow right now. You'll get a direct message when the request is posted to the approvals channel, or if it fails. No need to submit again (a second submission never files it twice).

## Direct messages about a filing that finished after the form was answered
late-filing-db-unavailable = Your expiry request was not filed. { filing-error-db-unavailable }
late-filing-internal = Your expiry request was not filed. { error-nothing-filed-internal }
# The database stopped answering before the filing could be confirmed. $channel: the approvals channel.
late-filing-gave-up = I couldn't confirm that your expiry request was filed: the database stopped answering. If it doesn't appear in <#{ $channel }> within a few minutes, please file it again (a request already waiting is never filed twice).

## Choice step and filed view: the note on a request that needs several approvals
# $required: the approvals this request needs.
approvals-needed-note = :information_source: This request needs approval by { $required } different leads.
# Its cancellation time lies further back than SECOND_APPROVAL_BACKDATE ($span), which added one.
approvals-needed-backdated-note = :information_source: This request needs approval by { $required } different leads: the cancellation time is more than { $span } back, and premiums after it go unbilled.

## Filed view: the modal once a request is filed
filed-modal =
    .title = Request filed
    .close = Done
# $insurer, $policy, $name, $phone: the chosen policy and its rider, masked; $channel: the approvals channel.
filed-modal-text =
    :white_check_mark: Request *#{ $request_id }* is filed: expire { $insurer } policy { $policy } of { $name } ({ $phone }).
    It is being posted to <#{ $channel }> for a lead's approval; I'll message you the outcome.
filed-modal-withdraw-note = Until it is decided you can withdraw it from that message or from my message to you.
# Context line under the filed view: where the lookup was answered.
lookup-primary-note = :warning: The read replica was unavailable, so this lookup was answered by the primary database.
# $lag_seconds: whole seconds.
lookup-lag-note = :warning: The read replica is { $lag_seconds } s behind; a change made in the last { $lag_seconds } s may not show yet.

## Approval message in the approvals channel (and its fields, repeated in the decided message)
approval-header = *Insurance expiry request #{ $request_id }*
# The request's facts, one line each (joined by line breaks); the reason follows in blocks of
# its own. $rider_status: ACTIVE or WITHDRAWN.
approval-rider-field = *Rider:* { $name } ({ member-status }) · { $phone }
approval-policy-field = *Policy:* { $insurer } { $policy }
approval-cancelled-at-field = *Cancelled at the insurer:* { $cancelled_at }
approval-requester-field = *Requested by:* <@{ $requester }> at { $requested_at }
# $reason: the agent's reason, masked and made inert (escaped, line breaks shown as ↵).
approval-reason-field = *Reason:* { $reason }
approval-approve-button = Approve
approval-reject-button = Reject
# The confirm dialog of the Approve button.
approval-confirm =
    .title = Expire this policy?
    .body = Policy { $policy } will be expired as of { $cancelled_at }.
    .confirm = Expire it
    .deny = Back
# The Approve button's confirm dialog when the click is not the last approval needed. $ordinal: which approval it is.
approval-count-confirm =
    .title = Approve this request?
    .body = Yours is approval { $ordinal } of { $required }. Policy { $policy } is expired as of { $cancelled_at } once { $required ->
            [2] both are
           *[other] all { $required } are
        } in.
    .confirm = Approve
    .deny = Back
# The Withdraw button (the approval message and the requester's DM); only the requester's click withdraws.
withdraw-button = Withdraw request
withdraw-confirm =
    .title = Withdraw this request?
    .body = Request #{ $request_id } will be withdrawn and policy { $policy } left as it is. Only the agent who filed it can withdraw it.
    .confirm = Withdraw it
    .deny = Back
# The approvals of a request that needs several (the decided message too). $given: the approval items joined with list-separator.
approval-approvals-field = *Approvals:* { $approvals } of { $required } — { $given }
approval-approvals-none = none yet
approval-approvals-item = <@{ $approver }> at { $approved_at }
approval-deadline = Needs a lead's decision by { $expires_at }. The requester cannot approve their own request. Only the requester can withdraw it.
# $backdated: yes when the cancellation time's age added an approval, else no.
approval-deadline-several =
    Needs { $required } approvals from different leads by { $expires_at }{ $backdated ->
        [yes] {" "}(the cancellation time is far in the past, so premiums after it go unbilled)
       *[no] {""}
    }. The requester cannot approve their own request, each lead counts once, and any one rejection ends it. Only the requester can withdraw it.
# The notification text (shown where blocks are not).
approval-fallback = Insurance expiry request #{ $request_id } for policy { $policy }
approval-fallback-several = Insurance expiry request #{ $request_id } for policy { $policy } ({ $approvals } of { $required } approvals)

## Thread replies in the approvals channel: one approval of several, the reminder
# An approval that is not the last. $ordinal: which approval; $missing: how many more are needed.
approval-counted-reply =
    :ballot_box_with_check: Approval { $ordinal } of { $required } by <@{ $approver }> at { $approved_at }. { $missing ->
        [one] One more approval, from another lead, is needed
       *[other] { $missing } more approvals, from other leads, are needed
    } before policy { $policy } is expired.
# Once, when a request is still pending REMIND_AFTER after filing. $approvers: the approvers' mentions (<!subteam^…>, <@…>) joined by spaces.
reminder-reply =
    :alarm_clock: Reminder: request #{ $request_id } has waited for a decision since { $requested_at }{ $required ->
        [1] {""}
       *[other] {" "}({ $approvals } of { $required } approvals so far)
    }. { $approvers }: please approve or reject it. It times out at { $expires_at }.
# When no approver is configured to mention.
reminder-reply-nobody =
    :alarm_clock: Reminder: request #{ $request_id } has waited for a decision since { $requested_at }{ $required ->
        [1] {""}
       *[other] {" "}({ $approvals } of { $required } approvals so far)
    }. Nobody else is configured to decide it: ask the bot's operators to check `APPROVER_USER_IDS` and `APPROVER_USERGROUP_ID`. It times out at { $expires_at }.
# The last item when there are too many approvers to mention. $more: how many more.
reminder-more-approvers = and { $more } more

## Reject modal, opened by the Reject button
reject-modal =
    .title = Reject request
    .submit = Reject
    .close = Cancel
reject-modal-intro = Reject request *#{ $request_id }*. The policy stays as it is.
reject-reason-input =
    .label = Why is it rejected?

## Reject modal: errors shown under the reason input
reject-error-form-expired = This form has expired. Click Reject again.
reject-error-reason-missing = Say why the request is rejected.
reject-error-reason-too-long = Keep the reason under 1,000 characters (phone numbers in it are masked, which lengthens them).
# The rejection went on past the answer.
reject-error-slow = This is taking longer than Slack lets me wait. The rejection goes on: the request message will show it, and if it doesn't go through I'll tell you in the approvals channel.

## A decision that was refused or failed: ephemeral to the clicker, or under the reject reason
decide-refused-not-approver = Only the approvers configured for expire-bot can decide these requests. Nothing was changed.
decide-refused-own-request = You filed this request, so another lead has to decide it (four-eyes rule). Nothing was changed.
# $outcome: the request's outcome line (one of the outcome-* messages, formatted).
decide-refused-already-decided = Request #{ $request_id } was already decided: { $outcome }
# $decision: approve or reject (what the clicker tried).
decide-refused-timed-out =
    Request #{ $request_id } timed out before anyone decided it, so it can no longer be { $decision ->
        [approve] approved
       *[reject] rejected
    }. File a new request if the policy still needs expiring.
decide-refused-not-found = That request no longer exists.
# The same lead approving twice. $approvals: given so far; $required: needed.
decide-refused-already-approved = You already approved request #{ $request_id } ({ $approvals } of { $required } approvals). Each lead counts once: another lead has to give the next approval. Nothing was changed.
# Approve or Reject on a request its requester withdrew.
decide-refused-withdrawn =
    Request #{ $request_id } was withdrawn by its requester, so it can no longer be { $decision ->
        [approve] approved
       *[reject] rejected
    }: { $outcome }
decide-error-db-unavailable = Your decision did not go through: the database isn't answering. The request is still pending; please try again in a minute.
# The approvers' user group cannot be read. $code: Slack's error code.
decide-error-group-unreadable = Your decision did not go through. I can't confirm that you may decide these requests: Slack refuses to list the user group that says who may (Slack said `{ $code }`). Nothing was changed. The bot's operators are alerted; please try again later. The request is still pending.
# The approvers' member list is too old to trust, or not read yet.
decide-error-group-stale = Your decision did not go through. I couldn't check whether you may decide these requests: Slack hasn't answered my questions about the user group lately. Nothing was changed; please try again in a few minutes. The request is still pending.
decide-error-internal = Your decision did not go through because of an error on our side. The request is still pending; please try again, and tell the backend team if it persists.
reject-open-form-failed = I couldn't open the reject form (Slack said `{ $code }`). Please click Reject again.

## The Withdraw button: ephemeral answers to the clicker
withdraw-refused-not-yours = Only the agent who filed request #{ $request_id } can withdraw it. Nothing was changed.
withdraw-refused-already-decided = Request #{ $request_id } can no longer be withdrawn: { $outcome }
withdraw-refused-timed-out = Request #{ $request_id } timed out before anyone decided it; there is nothing to withdraw. The policy was not changed.
withdraw-error-db-unavailable = Your request was not withdrawn: the database isn't answering. It is still pending; please try again in a minute.
withdraw-error-internal = Your request was not withdrawn because of an error on our side. It is still pending; please try again, and tell the backend team if it persists.

## Outcome line: the thread reply, the decided message, the requester's DM
# $kept: yes when the policy's earlier end time was kept, else no.
outcome-approved =
    :white_check_mark: Approved by { decider } at { $decided_at }. Policy { $policy } is now expired as of { $cancelled_at }.{ $kept ->
        [yes] {" "}Its existing end time was earlier than the cancellation time and was kept.
       *[no] {""}
    }
# The last approval of a request that needed several. $required: how many it needed.
outcome-approved-last =
    :white_check_mark: Approved by { decider } at { $decided_at }, approval { $required } of { $required }. Policy { $policy } is now expired as of { $cancelled_at }.{ $kept ->
        [yes] {" "}Its existing end time was earlier than the cancellation time and was kept.
       *[no] {""}
    }
outcome-approved-already-expired = :information_source: Approved by { decider } at { $decided_at }, but policy { $policy } had already been expired (most likely by the insurer's callback). It was left as it was.
outcome-approved-policy-missing = :warning: Approved by { decider } at { $decided_at }, but policy { $policy } no longer exists. Nothing was changed.
# $note: the lead's reason, escaped.
outcome-rejected = :x: Rejected by { decider } at { $decided_at }. Reason: { $note }. The policy was not changed.
outcome-timed-out = :hourglass: Timed out at { $decided_at }: no lead decided in time. The policy was not changed; file a new request if it still needs expiring.
outcome-withdrawn = :leftwards_arrow_with_hook: Withdrawn by its requester { decider } at { $decided_at }. The policy was not changed.
outcome-pending = Still waiting for a lead's decision.
outcome-pending-several = Still waiting: { $approvals } of { $required } approvals given.
# A reject reason too long for the decided message, cut there; the thread reply has all of it.
outcome-note-cut = { $note } (the whole reason is in the thread)

## Decided message: the approval message after a decision, without buttons
decided-header = *Insurance expiry request #{ $request_id }* — { request-status }
decided-fallback = Insurance expiry request #{ $request_id }: { request-status }

## The requester's DMs
# $link: the approval message's permalink; $channel: where it was posted.
# $required: approvals needed; $backdated: yes when the cancellation time's age added one.
notice-filed =
    Your request #{ $request_id } to expire policy { $policy } ({ $name }) was posted in <#{ $channel }> (<{ $link }|open the request>).{ $required ->
        [1] {""}
       *[other] {" "}It needs { $required } approvals from different leads{ $backdated ->
            [yes] {" "}because the cancellation time is far in the past
           *[no] {""}
        }.
    } I'll tell you when a lead decides; until then you can withdraw it here.
notice-filed-no-link =
    Your request #{ $request_id } to expire policy { $policy } ({ $name }) was posted to the approvals channel.{ $required ->
        [1] {""}
       *[other] {" "}It needs { $required } approvals from different leads{ $backdated ->
            [yes] {" "}because the cancellation time is far in the past
           *[no] {""}
        }.
    } I'll tell you when a lead decides; until then you can withdraw it here.
# The DM saying the reminder went out.
notice-reminded =
    Your request #{ $request_id } (<{ $link }|request>) to expire policy { $policy } is still waiting for a decision{ $required ->
        [1] {""}
       *[other] , { $approvals } of { $required } approvals so far
    }, so I reminded the approvers in its thread. It times out at { $expires_at }.
notice-reminded-no-link =
    Your request #{ $request_id } to expire policy { $policy } is still waiting for a decision{ $required ->
        [1] {""}
       *[other] , { $approvals } of { $required } approvals so far
    }, so I reminded the approvers in its thread. It times out at { $expires_at }.
notice-decided = Request #{ $request_id } (<{ $link }|request>): { $outcome }
notice-decided-no-link = Request #{ $request_id }: { $outcome }
# Slack refused a follow-up of the request for good. $what: post (to the approvals channel), thread (the thread reply), update (the message update). $code: Slack's error code.
notice-delivery-failed = Your request #{ $request_id } to expire policy { $policy } ({ $name }): { $what ->
        [post] posting it to the approvals channel
        [thread] the reply in its thread
       *[update] updating its message
    } failed and will not be retried: Slack refused it (`{ $code }`). The bot's operators are alerted. The request itself is unchanged.

## Withdrawn-rider digest, posted to the digest channel (one or more pages)
# $date: the digest's day; $page of $pages when it takes several messages.
digest-heading = *Withdrawn riders still insured — { $date }*
digest-paged-heading = *Withdrawn riders still insured — { $date }* — message { $page } of { $pages }
digest-summary = *{ $riders ->
        [one] { $riders } withdrawn rider
       *[other] { $riders } withdrawn riders
    }* still { $riders ->
        [one] holds
       *[other] hold
    } *{ $policies ->
        [one] { $policies } active hourly policy
       *[other] { $policies } active hourly policies
    }*. Nothing ends these during the deletion window: each needs an expiry request. Oldest withdrawal first.
# Next line of the summary when the digest lists fewer riders than it found.
digest-cut-note =
    :warning: This digest lists the first { $listed_riders ->
        [one] { $listed_riders } rider
       *[other] { $listed_riders } riders
    } ({ $listed_policies ->
        [one] { $listed_policies } policy
       *[other] { $listed_policies } policies
    }); the other { $other_riders ->
        [one] { $other_riders } rider
       *[other] { $other_riders } riders
    } will be listed in later digests as these are handled.
# Next line of the summary when an earlier attempt to post was interrupted.
digest-retaken-note = _An earlier attempt to post this digest was interrupted; this is the complete digest._
# One section per rider: this line, then one policy line each. $days_ago: whole days since withdrawal.
digest-rider-line = *{ $name }* · { $phone } · withdrawn { $withdrawn_on } ({ $days_ago ->
        [0] today
        [one] { $days_ago } day ago
       *[other] { $days_ago } days ago
    })
digest-rider-date-unknown-line = *{ $name }* · { $phone } · withdrawn (date unknown)
# A rider whose policy lines do not fit one section goes on in the next, headed by this.
digest-rider-continued-line = *{ $name }* (continued)
digest-policy-line = { $insurer } { $policy } · since { $valid_from }
digest-file-one-button = File request…
digest-file-all-button =
    File requests for all { $policies ->
        [one] { $policies } policy
       *[other] { $policies } policies
    }
digest-file-all-confirm =
    .title = File all these requests?
    .body =
        One expiry request per listed policy ({ $policies ->
            [one] { $policies } policy
           *[other] { $policies } policies
        }), each ending the policy at the rider's withdrawal time. Each is posted to <#{ $channel }> and needs a lead's approval; you cannot approve the ones you filed.
    .confirm = File them
    .deny = Back
digest-footer = Use *File request…* on a rider to check the cancellation time first. Policies that already have a pending request are not filed twice.
digest-fallback =
    Withdrawn riders still insured ({ $date }): { $riders ->
        [one] { $riders } rider
       *[other] { $riders } riders
    }, { $policies ->
        [one] { $policies } policy
       *[other] { $policies } policies
    }
digest-paged-fallback =
    Withdrawn riders still insured ({ $date }): { $riders ->
        [one] { $riders } rider
       *[other] { $riders } riders
    }, { $policies ->
        [one] { $policies } policy
       *[other] { $policies } policies
    } — message { $page } of { $pages }
digest-all-clear = :white_check_mark: Withdrawn-rider digest { $date }: all clear — no withdrawn rider holds an active hourly policy.

## Digest buttons: ephemeral answers to the clicker
digest-open-form-failed = I couldn't open the request form (Slack said `{ $code }`). Please click again.
bulk-error-unknown-digest = I can't see that digest's list yet (the read database may be catching up). Nothing was filed; please click again in a minute.
bulk-error-db-unavailable = The database isn't answering, so nothing was filed. Please click again in a minute.
# The answer to "File requests for all": one count each (numbers; zero leaves its part out).
bulk-answer =
    Filed { $filed ->
        [one] { $filed } new request
       *[other] { $filed } new requests
    }{ $already_pending ->
        [0] {""}
        [one] ; { $already_pending } policy was already waiting for a decision (not filed again)
       *[other] ; { $already_pending } policies were already waiting for a decision (not filed again)
    }{ $settled ->
        [0] {""}
        [one] ; { $settled } policy is no longer active or no longer withdrawn (nothing to do)
       *[other] ; { $settled } policies are no longer active or no longer withdrawn (nothing to do)
    }{ $needs_individual ->
        [0] {""}
        [one] ; { $needs_individual } policy needs filing one by one with *File request…* (no usable withdrawal time)
       *[other] ; { $needs_individual } policies need filing one by one with *File request…* (no usable withdrawal time)
    }{ $failed ->
        [0] {""}
        [one] ; { $failed } policy could not be filed because of a database error — click again to retry it
       *[other] ; { $failed } policies could not be filed because of a database error — click again to retry them
    }.{ $filed ->
        [0] {""}
       *[other] {" "}Each is being posted to <#{ $channel }> for a lead's approval; another lead has to approve the ones you filed.
    }
# The reason stored with each request a bulk filing makes (shown in its approval message).
bulk-reason = Rider withdrew but the policy stayed active (withdrawn-rider digest of { $date }); filed for all listed policies. Cancellation time = withdrawal time.

## /expire-insurance history: the ephemeral answer
history-ask-whom = Tell me whose history: `/expire-insurance history <rider ID or phone>`.
history-unavailable = The history is unavailable right now (the read database isn't answering). Please try again in a minute.
history-failed = Something went wrong on our side while reading the history. Please try again; if it keeps happening, tell the backend team.
# $query: what was typed, a phone masked.
history-no-rider = No rider matches { $query } (withdrawn riders included).
# $rider_list: the history-rider-* lines joined with list-separator.
history-heading = *Expiry requests for { $query }* — { $riders ->
        [one] { $riders } rider
       *[other] { $riders } riders
    }: { $rider_list }
history-active-rider = { $name } (ID { $rider_id }, { $phone }, active member)
history-withdrawn-rider = { $name } (ID { $rider_id }, { $phone }, withdrawn)
history-withdrawn-on-rider = { $name } (ID { $rider_id }, { $phone }, withdrawn { $withdrawn_on })
# The last item of the rider list when it names only the first ten. $more: how many more.
history-more-riders = and { $more } more
history-none-filed = No expiry request was ever filed for their policies.
history-showing-latest =
    Showing the latest { $shown } of { $total ->
        [one] { $total } request
       *[other] { $total } requests
    }.
# One entry per request: heading, filed line, decision line, policy line (lines joined by newlines).
history-entry-heading = *#{ $request_id }* · { $insurer } { $policy } · rider { $name } (ID { $rider_id }) · { request-status }
history-entry-filed = Filed { $requested_at } by <@{ $requester }> · cancellation time { $cancelled_at }
history-entry-approved-expired = Approved { $decided_at } by { decider }: policy expired
history-entry-approved-already-expired = Approved { $decided_at } by { decider }: policy had already been expired, left as it was
history-entry-approved-policy-missing = Approved { $decided_at } by { decider }: policy no longer existed, nothing changed
history-entry-rejected = Rejected { $decided_at } by { decider }: policy not changed
history-entry-timed-out = Timed out { $decided_at }: no lead decided in time, policy not changed
history-entry-withdrawn = Withdrawn { $decided_at } by its requester { decider }: policy not changed
history-entry-pending = Waiting for a lead's decision
# A request that needed several approvals or got one: who approved, when. $given: the items joined with list-separator.
history-entry-approvals = Approvals ({ $approvals } of { $required } needed): { $given }
history-entry-approval-item = <@{ $approver }> { $approved_at }
history-entry-approvals-none = none
history-entry-reminded = Reminder sent { $reminded_at }
# A policy's recorded state; $before and $after below are these, formatted.
history-policy-state = { policy-status } (until { $valid_until })
history-policy-open-state = { policy-status } (open-ended)
history-entry-change = Policy: { $before } → { $after }
history-entry-unchanged = Policy: { $before } (unchanged by this request)
history-entry-not-recorded = Policy: not recorded
# $change: one of the three lines above, formatted.
history-entry-link = { $change } · <{ $link }|request message>

## The App Home tab (views.publish)
home-intro = *Start an expiry request*
    Type `/expire-insurance [rider ID or phone number]` in any channel; `/expire-insurance help` shows everything the command does.
    Or pick *Expire insurance* from the ⚡ shortcuts menu for the same form, or from a ticket message's ⋮ menu to open it with the message (personal data masked) and its link as the reason.
# $count: requests waiting for a decision (all of them).
home-pending-header = *Requests waiting for your decision: { $count }* (oldest first)
home-request-heading = *Expiry request #{ $request_id }*
# $count: requests filed in the last 30 days (all of them).
home-own-header = *Your requests of the last 30 days: { $count }*
# $link: the approval request message (its thread).
home-own-line = *#{ $request_id }* · { request-status } · policy { $policy } · filed { $requested_at } · <{ $link }|open thread>
home-own-line-unposted = *#{ $request_id }* · { request-status } · policy { $policy } · filed { $requested_at } · being posted to the approval channel
# $count: requests the list does not show.
home-more = { $count } more not shown here: see the approval channel or `/expire-insurance history`.
# An approver's Home tab: the last withdrawn-rider digest posted. $posted_at: when, $riders / $policies: what it listed, $link: its first message.
home-digest-line = *Last withdrawn-rider digest* ({ $posted_at }): riders: { $riders }, active policies: { $policies } · <{ $link }|open the digest>
home-digest-line-unlinked = *Last withdrawn-rider digest* ({ $posted_at }): riders: { $riders }, active policies: { $policies }
