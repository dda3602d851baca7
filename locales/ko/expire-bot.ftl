### expire-bot: Slack에서 사람이 읽는 모든 문구, 한국어 (UI_LANGUAGE=ko, 기본값).
###
### 영어 카탈로그(locales/en/expire-bot.ftl)와 id·속성·변수가 정확히 같아야 합니다. 어긋나면
### src/i18n.rs 의 테스트가 실패합니다. 종류별 Slack 글자 수 제한과 변수 규칙은 영어 파일
### 머리말과 docs/I18N.md 를 보십시오.
###
### 문체
###   - 봇이 말하는 문장은 합쇼체: …했습니다 / …하십시오 / …해 주십시오 / …할 수 없습니다.
###     해요체(…해요, …하세요)나 반말은 쓰지 않습니다.
###   - 라벨·버튼·선택지·제목은 짧은 명사구: 승인 / 반려 / 요청 / 만료 / 탈퇴 회원.
###   - 변수(번호, 이름, 날짜) 바로 뒤에는 받침에 따라 바뀌는 조사(을/를, 이/가, 은/는, 와/과,
###     으로/로)를 붙이지 않습니다. 고정된 낱말 뒤에 붙이거나(…보험을, …요청이),
###     바뀌지 않는 조사(의, 에, 에서, 까지, 부터)만 씁니다.
###   - Slack 굵게(*…*)·기울임(_…_) 표시는 바깥쪽이 공백이나 문장 부호여야 보입니다.
###     `*3건*이`처럼 한글을 바로 붙이지 마십시오.
###
### 용어집 — 모든 메시지에서 같은 말을 씁니다
###   rider ............................ 라이더
###   policy ........................... 보험 (번호를 보일 때: 증권번호 ******3456)
###   hourly insurance ................. 시간제 보험
###   insurer .......................... 보험사
###   (expiry) request ................. 만료 요청 (짧게: 요청)
###   file a request ................... 요청 접수 / 접수하다
###   approver, lead ................... 승인자(리드); 문장에서는 리드
###   requester ........................ 요청자
###   approve / approved ............... 승인 / 승인 완료
###   reject / rejected ................ 반려
###   pending .......................... 승인 대기
###   timed out ........................ 기한 만료
###   withdraw (cancel) a request ...... 요청 취소
###   reminder ......................... 리마인더
###   1 of 2 approvals ................. 승인 2건 중 1건
###   expire a policy .................. (보험) 만료 처리
###   withdrawn member ................. 탈퇴 회원
###   active member .................... 정상 회원
###   cancellation time ................ 보험사 해지 일시
###   reason ........................... 사유
###   approvals channel ................ 승인 채널
###   CX ticket ........................ CX 티켓
###   read replica / primary database .. 조회용 DB(레플리카) / 기본 DB
###   withdrawn-rider digest ........... 탈퇴 회원 보험 다이제스트 (짧게: 다이제스트)
###   four-eyes rule ................... 요청자 본인 승인 불가
###   something went wrong on our side . 시스템 오류

-bot = expire-bot
-command = /expire-insurance

## 다른 메시지가 참조하는 공용 조각 (단독으로 표시되지 않음)

# 요청 상태. $status: PENDING, APPROVED, REJECTED, TIMED_OUT, CANCELLED.
request-status =
    { $status ->
        [PENDING] 승인 대기
        [APPROVED] 승인 완료
        [REJECTED] 반려
        [TIMED_OUT] 기한 만료
        [CANCELLED] 요청 취소
       *[other] { $status }
    }
# 결정한 사람. $decider: Slack 사용자 ID, 기록이 없으면 "none". 사람이면 "님"까지 붙습니다.
# 뒤에 오는 조사는 "이"로 씁니다: "<@…>님이", "expire-bot이" 모두 맞습니다.
decider =
    { $decider ->
        [none] { -bot }
       *[other] <@{ $decider }>님
    }
# 회원 상태. $rider_status: ACTIVE 또는 WITHDRAWN.
member-status =
    { $rider_status ->
        [WITHDRAWN] 탈퇴 회원
       *[other] 정상 회원
    }
# 이력에 보이는 보험 상태. $policy_status: ACTIVE 또는 EXPIRED.
policy-status =
    { $policy_status ->
        [ACTIVE] 유효
        [EXPIRED] 만료
       *[other] { $policy_status }
    }
# 기록되지 않은 시각이나 값.
value-missing = -
# 본문 속 목록의 항목 사이 (이력 답변의 라이더 목록).
list-separator = {", "}
# 기간 (SECOND_APPROVAL_BACKDATE). $unit: day, hour, minute, second; $amount: 그 단위의 수.
span =
    { $unit ->
        [day] { $amount }일
        [hour] { $amount }시간
        [minute] { $amount }분
       *[second] { $amount }초
    }

## /expire-insurance help: 본인에게만 보이는 도움말, 한 줄씩
help-request-line = */expire-insurance [라이더 ID 또는 전화번호]* — 보험사에서 해지된 라이더의 시간제 보험 만료를 요청합니다. 승인 채널에서 리드가 승인합니다.
help-history-line = */expire-insurance history <라이더 ID 또는 전화번호>* — 해당 라이더의 보험에 접수된 모든 만료 요청(요청자, 결정자, 변경 내용)을 본인에게만 보여 줍니다.
help-help-line = */expire-insurance help* — 이 도움말입니다. 전화번호는 흔히 쓰는 어떤 형식으로 입력해도 됩니다(010-1234-5678, +82 10-1234-5678). 탈퇴 회원도 검색됩니다.

## 요청 접수 권한: 슬래시 명령·다이제스트 버튼·(아래 두 개는) 요청 양식에 대한 답변,
## 요청자 규칙이 거절하거나 확인할 수 없을 때
access-not-a-requester = 보험 만료 요청을 접수할 수 있는 사람 목록에 없습니다. CX 리드에게 추가를 요청하십시오.
# 접수 권한을 정하는 사용자 그룹을 읽을 수 없음. $code: Slack 오류 코드.
access-group-unreadable = 요청 접수 권한을 확인할 수 없습니다. Slack에서 권한을 정하는 사용자 그룹의 목록을 거부했습니다(Slack 응답: `{ $code }`). 변경된 내용은 없습니다. 봇 운영자에게 알림이 갔으니 나중에 다시 시도해 주십시오.
# 사용자 그룹 목록이 너무 오래되었거나 아직 읽지 못함.
access-group-stale = 요청 접수 권한을 확인하지 못했습니다. 최근 Slack에서 사용자 그룹에 대한 응답이 없었습니다. 변경된 내용은 없습니다. 몇 분 후 다시 시도해 주십시오.
# 게스트, 비활성 계정, 다른 워크스페이스의 사용자 (요청자 목록과 관계없이 거절).
access-not-a-member = 라이더 조회와 보험 만료 요청은 이 워크스페이스의 정식 멤버만 할 수 있습니다. 게스트와 다른 워크스페이스의 사용자는 할 수 없습니다.
# Slack이 사용자 프로필(users.info)을 보여 주지 않음. $code: Slack 오류 코드.
access-profile-unreadable = 사용자 정보를 확인할 수 없습니다. Slack에서 프로필 조회를 거부했습니다(Slack 응답: `{ $code }`). 변경된 내용은 없습니다. 봇 운영자에게 알림이 갔으니 나중에 다시 시도해 주십시오.
# 다른 워크스페이스나 다른 앱에서 온 요청 (또는 봇이 자기 워크스페이스를 아직 모를 때).
access-foreign-workspace = 이 봇은 자체 Slack 워크스페이스에서만 사용할 수 있습니다. 아무것도 처리하지 않았습니다.
# 한 사람의 조회 한도에 도달함. $max: 한도 횟수, $minutes: 기간(분).
lookup-limit-reached = { $minutes }분 동안 한 사람이 할 수 있는 라이더 조회 { $max }회를 모두 사용했습니다. 조회하지 않았습니다. 나중에 다시 시도하시거나, 더 필요하면 CX 리드에게 문의해 주십시오.

## 바로 가기(⚡ 메뉴, 메시지의 "기타 작업"): 요청 양식을 열 수 없을 때 보여 주는 작은 창
## (바로 가기에는 본인에게만 보이는 답변을 보낼 채널이 없음). 본문은 위의 access-* 문구.
shortcut-notice-modal =
    .title = 보험 만료
    .close = 닫기

## /expire-insurance: 요청 양식을 열지 못했을 때 본인에게만 보이는 답변
# $code: Slack 오류 코드 (예: expired_trigger_id).
command-open-form-failed = 요청 양식을 열지 못했습니다(Slack 응답: `{ $code }`). 명령을 다시 실행해 주십시오.
# 명령에 답해야 할 때까지 Slack이 양식을 열지 못함.
command-open-form-slow = 요청 양식을 여는 중입니다. 지금 Slack 응답이 느려 몇 초 걸릴 수 있습니다. 열리지 않으면 여기에서 알려 드리겠습니다.
command-open-form-internal = 요청 양식을 여는 중 시스템 오류가 발생했습니다. 명령을 다시 실행해 주십시오.

## 요청 양식 (첫 단계: 명령 또는 다이제스트의 "요청 접수…" 버튼으로 열림)
request-modal =
    .title = 보험 만료 요청
    .submit = 조회
    .close = 취소
# $required: 요청마다 필요한 승인 수 (APPROVALS_REQUIRED).
request-modal-intro =
    보험사에서 해지된 라이더의 시간제 보험을 만료 처리합니다. { $required ->
        [1] 리드가
       *[other] 서로 다른 리드 { $required }명이
    } 승인하기 전에는 아무것도 바뀌지 않습니다.
request-rider-input =
    .label = 라이더
    .placeholder = 라이더 ID 또는 전화번호(예: 010-1234-5678)
    .hint = 탈퇴 회원도 검색됩니다.
request-cancelled-at-input =
    .label = 보험사 해지 일시
    .hint = 라이더가 보험사에 해지를 요청한 일시입니다. 보험은 이 시점에 종료됩니다.
# SECOND_APPROVAL_BACKDATE가 켜져 있을 때의 같은 안내. $span: 그 기간, $more_required = $required + 1.
request-cancelled-at-backdate-input =
    .hint = 라이더가 보험사에 해지를 요청한 일시입니다. 보험은 이 시점에 종료됩니다. { $span } 넘게 지난 일시이면 승인이 { $required }건이 아니라 { $more_required }건 필요합니다(각각 다른 리드).
request-reason-input =
    .label = 사유 및 CX 티켓
    .placeholder = 예: 전화로 보험사 해지 완료, CX-12345

## 요청 양식: 입력란 아래에 보이는 오류 (response_action: errors)
request-error-not-a-requester = 만료 요청을 접수할 수 있는 사람 목록에 없습니다.
request-error-time-missing = 라이더가 보험사에 해지를 요청한 날짜와 시간을 선택하십시오.
request-error-time-in-future = 미래의 일시입니다. 라이더가 실제로 보험사에 해지를 요청한 일시를 선택하십시오.
# $began: 보험 시작 일시.
request-error-time-before-policy = 이 보험은 { $began }에 시작되었습니다. 보험사 해지 일시는 그보다 이를 수 없습니다.
request-error-lookup-unavailable = 지금은 라이더를 조회할 수 없습니다(조회용 DB가 제때 응답하지 않음). 접수된 것은 없습니다. 1분 후 다시 시도해 주십시오.
request-error-no-active-policy = 라이더는 찾았지만 유효한 시간제 보험이 없어 만료할 것이 없습니다.
request-error-no-rider = 해당 ID 또는 전화번호의 라이더가 없습니다(탈퇴 회원 포함). 번호를 확인하고 다시 시도해 주십시오.
# 일괄 접수가 시스템 오류로 실패했을 때의 답변이기도 합니다.
error-nothing-filed-internal = 시스템 오류로 아무것도 접수되지 않았습니다. 다시 시도해 주시고, 계속 발생하면 백엔드 팀에 알려 주십시오.

## 입력한 값을 받을 수 없을 때 (라이더·사유 입력란 아래, 이력 답변에서도)
query-error-empty = 라이더 ID 또는 전화번호를 입력하십시오.
query-error-not-recognised = 라이더 ID도 한국 휴대전화 번호(예: 010-1234-5678)도 아닙니다.
query-error-too-long = 라이더 ID나 전화번호로 보기에는 너무 깁니다. 둘 중 하나만 입력하십시오.
reason-error-empty = 사유와 CX 티켓을 입력하십시오.
reason-error-too-long = 사유는 1,000자 이내로 입력하십시오.
# 사유 속 개인정보를 마스킹하자 제한을 넘음.
reason-error-masked-too-long = 개인정보를 마스킹하면 사유가 1,000자를 넘습니다. 사유를 줄여 주십시오.

## 보험 선택 단계: 일치하는 보험이 여러 건일 때의 양식
choice-modal =
    .title = 보험 선택
    .submit = 요청 접수
    .close = 취소
# $policies: 후보 보험 수, $riders: 그 보험이 속한 라이더 계정 수.
choice-intro = 입력한 정보와 일치하는 라이더 계정: *{ $riders }개*, 유효한 보험: *{ $policies }건*. 탈퇴한 계정과 새 계정이 같은 전화번호를 쓸 수 있으니, 라이더가 해지한 보험을 고르십시오.
choice-policy-input =
    .label = 만료할 보험
    .placeholder = 보험 선택
# 보험마다 선택지 하나: 본문은 보험(잘릴 때 보험사만 줄도록 증권번호 먼저), 설명은 라이더
# (마스킹된 이름, 회원 상태, 전화번호, 보험 시작일).
choice-policy-option = { $policy } · { $insurer }
choice-active-description = { $name } · 정상 회원 · { $phone } · { $valid_from }부터
choice-withdrawn-description = { $name } · 탈퇴 회원 · { $phone } · { $valid_from }부터
choice-withdrawn-on-description = { $name } · { $withdrawn_on } 탈퇴 · { $phone } · { $valid_from }부터

## 보험 선택 단계: 보험 입력란 아래에 보이는 오류
choice-error-form-expired = 이 양식은 만료되었습니다. 닫은 뒤 { -command } 명령을 다시 실행하십시오.
# 보험 선택 단계에는 사유 입력란이 없으므로 처음부터 다시 합니다.
choice-error-masked-reason-empty = 사유와 CX 티켓을 입력해야 합니다. 이 양식을 닫고 { -command } 명령을 다시 실행하십시오.
choice-error-masked-reason-too-long = 개인정보를 마스킹하면 사유가 1,000자를 넘습니다. 이 양식을 닫고 { -command } 명령을 다시 실행해 사유를 줄여 주십시오.
choice-error-choose-one = 보험을 하나 선택하십시오.
choice-error-policy-gone = 이 보험은 더 이상 유효하지 않습니다(방금 만료되었을 수 있습니다). 처리할 것이 없습니다.

## 접수 (두 단계 모두): 입력란 아래에 보이는 오류
filing-error-already-pending = 이 보험에는 리드의 결정을 기다리는 #{ $request_id } 요청이 이미 있습니다. 새 요청은 접수하지 않았습니다.
# 같은 양식(같은 Slack 뷰)이 이미 요청을 접수함: 재전송되었거나 두 번 제출됨.
filing-error-already-filed = 이 양식으로 이미 #{ $request_id } 요청을 접수했습니다. 새 요청은 접수하지 않았습니다. 양식을 닫고, 다른 요청은 /expire-insurance를 다시 실행해 주십시오.
filing-error-db-unavailable = DB가 응답하지 않아 아무것도 접수되지 않았습니다. 1분 후 다시 시도해 주십시오.
# 답변 뒤에도 접수가 계속됨. 결과는 DM으로 알립니다.
filing-error-slow = 아직 접수 중입니다. 지금 DB 응답이 느립니다. 요청이 승인 채널에 게시되거나 실패하면 DM으로 알려 드리겠습니다. 다시 제출하지 않아도 됩니다(두 번 제출해도 두 번 접수되지 않습니다).

## 양식에 답한 뒤에 끝난 접수에 대한 DM
late-filing-db-unavailable = 만료 요청이 접수되지 않았습니다. { filing-error-db-unavailable }
late-filing-internal = 만료 요청이 접수되지 않았습니다. { error-nothing-filed-internal }
# 접수를 확인하기 전에 DB가 응답을 멈춤. $channel: 승인 채널.
late-filing-gave-up = DB가 응답을 멈춰 만료 요청이 접수되었는지 확인하지 못했습니다. 몇 분 안에 <#{ $channel }>에 보이지 않으면 다시 접수해 주십시오(승인 대기 중인 요청은 두 번 접수되지 않습니다).

## 보험 선택 단계와 접수 완료 화면의 안내: 승인이 두 건 이상 필요한 요청
# $required: 이 요청에 필요한 승인 수.
approvals-needed-note = :information_source: 이 요청은 서로 다른 리드 { $required }명의 승인이 필요합니다.
# 보험사 해지 일시가 SECOND_APPROVAL_BACKDATE($span)보다 오래되어 승인이 하나 더 필요함.
approvals-needed-backdated-note = :information_source: 이 요청은 서로 다른 리드 { $required }명의 승인이 필요합니다. 보험사 해지 일시가 { $span } 넘게 지났고, 그 이후의 보험료는 청구되지 않기 때문입니다.

## 접수 완료 화면: 요청이 접수된 뒤의 양식
filed-modal =
    .title = 요청 접수 완료
    .close = 확인
# $insurer, $policy, $name, $phone: 선택한 보험과 라이더(마스킹됨), $channel: 승인 채널.
filed-modal-text =
    :white_check_mark: 만료 요청 *#{ $request_id }* 접수를 완료했습니다: { $insurer } 증권번호 { $policy }, 라이더 { $name }({ $phone }).
    리드의 승인을 받도록 <#{ $channel }>에 게시하고 있습니다. 결과는 메시지로 알려 드리겠습니다.
filed-modal-withdraw-note = 결정 전까지는 승인 요청 메시지나 봇이 보낸 DM에서 요청을 취소할 수 있습니다.
# 접수 완료 화면 아래의 안내: 조회가 어디에서 처리되었는지.
lookup-primary-note = :warning: 조회용 DB(레플리카)를 쓸 수 없어 기본 DB에서 조회했습니다.
# $lag_seconds: 초 단위 정수.
lookup-lag-note = :warning: 조회용 DB(레플리카)가 { $lag_seconds }초 늦습니다. 최근 { $lag_seconds }초 안의 변경은 아직 보이지 않을 수 있습니다.

## 승인 채널의 승인 요청 메시지 (항목은 결정 후 메시지에도 그대로)
approval-header = *보험 만료 요청 #{ $request_id }*
# 요청 내용, 한 줄씩 (줄바꿈으로 잇습니다). 사유는 그 뒤 별도 블록에. $rider_status: ACTIVE 또는 WITHDRAWN.
approval-rider-field = *라이더:* { $name } ({ member-status }) · { $phone }
approval-policy-field = *보험:* { $insurer } { $policy }
approval-cancelled-at-field = *보험사 해지 일시:* { $cancelled_at }
approval-requester-field = *요청자:* <@{ $requester }> · { $requested_at }
# $reason: 요청자가 쓴 사유(마스킹·이스케이프됨, 줄바꿈은 ↵).
approval-reason-field = *사유:* { $reason }
approval-approve-button = 승인
approval-reject-button = 반려
# 승인 버튼의 확인 창.
approval-confirm =
    .title = 이 보험을 만료하시겠습니까?
    .body = 증권번호 { $policy } 보험을 { $cancelled_at } 기준으로 만료합니다.
    .confirm = 만료
    .deny = 돌아가기
# 승인이 두 건 이상 필요한 요청에서 마지막이 아닌 승인 버튼의 확인 창. $ordinal: 이번이 몇 번째 승인인지.
approval-count-confirm =
    .title = 이 요청을 승인하시겠습니까?
    .body = { $required }건 중 { $ordinal }번째 승인입니다. 승인이 모두 모이면 증권번호 { $policy } 보험이 { $cancelled_at } 기준으로 만료됩니다.
    .confirm = 승인
    .deny = 돌아가기
# 요청 취소 버튼 (승인 요청 메시지와 요청자의 DM). 요청자가 누를 때만 취소됩니다.
withdraw-button = 요청 취소
withdraw-confirm =
    .title = 요청을 취소하시겠습니까?
    .body = #{ $request_id } 요청을 취소하고 증권번호 { $policy } 보험은 그대로 둡니다. 요청을 접수한 사람만 취소할 수 있습니다.
    .confirm = 요청 취소
    .deny = 돌아가기
# 승인이 두 건 이상 필요한 요청의 승인 현황 (결정 후 메시지에도). $given: 승인 항목을 list-separator로 이은 것.
approval-approvals-field = *승인 현황:* { $required }건 중 { $approvals }건 — { $given }
approval-approvals-none = 아직 없음
approval-approvals-item = <@{ $approver }>님 { $approved_at }
approval-deadline = { $expires_at }까지 리드가 결정해야 합니다. 요청자는 자신의 요청을 승인할 수 없으며, 요청 취소는 요청자만 할 수 있습니다.
# $backdated: 보험사 해지 일시가 오래되어 승인이 하나 더 필요하면 yes, 아니면 no.
approval-deadline-several =
    { $expires_at }까지 서로 다른 리드 { $required }명의 승인이 필요합니다{ $backdated ->
        [yes] (보험사 해지 일시가 오래전이라 그 이후의 보험료가 청구되지 않습니다)
       *[no] {""}
    }. 요청자는 자신의 요청을 승인할 수 없고, 같은 리드의 승인은 한 번만 셉니다. 반려가 하나라도 있으면 요청은 종료됩니다. 요청 취소는 요청자만 할 수 있습니다.
# 알림에 보이는 대체 텍스트 (블록이 보이지 않는 곳).
approval-fallback = 보험 만료 요청 #{ $request_id } (증권번호 { $policy })
approval-fallback-several = 보험 만료 요청 #{ $request_id } (증권번호 { $policy }, 승인 { $required }건 중 { $approvals }건)

## 승인 채널의 스레드 답글: 여러 건 중 한 건의 승인, 리마인더
# 마지막이 아닌 승인. $ordinal: 몇 번째 승인인지, $missing: 더 필요한 승인 수.
approval-counted-reply = :ballot_box_with_check: <@{ $approver }>님이 { $approved_at }에 승인했습니다(승인 { $required }건 중 { $ordinal }번째). 증권번호 { $policy } 보험을 만료하려면 다른 리드의 승인이 { $missing }건 더 필요합니다.
# REMIND_AFTER가 지나도 승인 대기 중인 요청에 한 번. $approvers: 승인자 멘션(<!subteam^…>, <@…>)을 공백으로 이은 것.
reminder-reply =
    :alarm_clock: 리마인더: #{ $request_id } 요청이 { $requested_at }부터 결정을 기다리고 있습니다{ $required ->
        [1] {""}
       *[other] (지금까지 승인 { $required }건 중 { $approvals }건)
    }. 승인자 { $approvers }: 이 요청을 승인하거나 반려해 주십시오. { $expires_at }에 기한이 만료됩니다.
# 멘션할 승인자가 설정되어 있지 않을 때.
reminder-reply-nobody =
    :alarm_clock: 리마인더: #{ $request_id } 요청이 { $requested_at }부터 결정을 기다리고 있습니다{ $required ->
        [1] {""}
       *[other] (지금까지 승인 { $required }건 중 { $approvals }건)
    }. 결정할 수 있는 다른 승인자가 설정되어 있지 않습니다. 봇 운영자에게 `APPROVER_USER_IDS`, `APPROVER_USERGROUP_ID` 설정을 확인해 달라고 요청하십시오. { $expires_at }에 기한이 만료됩니다.
# 멘션할 승인자가 너무 많을 때 마지막 항목. $more: 나머지 수.
reminder-more-approvers = 외 { $more }명

## 반려 양식 (반려 버튼으로 열림)
reject-modal =
    .title = 요청 반려
    .submit = 반려
    .close = 취소
reject-modal-intro = *#{ $request_id }* 요청을 반려합니다. 보험은 그대로 유지됩니다.
reject-reason-input =
    .label = 반려 사유

## 반려 양식: 사유 입력란 아래에 보이는 오류
reject-error-form-expired = 이 양식은 만료되었습니다. 반려 버튼을 다시 누르십시오.
reject-error-reason-missing = 반려 사유를 입력하십시오.
reject-error-reason-too-long = 사유는 1,000자 이내로 입력하십시오(사유 속 전화번호는 마스킹되어 길어집니다).
# 답변 뒤에도 반려가 계속됨.
reject-error-slow = Slack이 기다려 주는 시간보다 오래 걸리고 있습니다. 반려는 계속 진행되며 요청 메시지에 결과가 표시됩니다. 처리되지 않으면 승인 채널에서 알려 드리겠습니다.

## 받아들여지지 않았거나 실패한 결정: 누른 사람에게만 보이는 답변, 또는 반려 사유 아래
decide-refused-not-approver = expire-bot에 설정된 승인자만 이 요청을 결정할 수 있습니다. 변경된 내용은 없습니다.
decide-refused-own-request = 직접 접수한 요청이므로 다른 리드가 결정해야 합니다(요청자 본인 승인 불가). 변경된 내용은 없습니다.
# $outcome: 요청의 결과 문장 (outcome-* 메시지 중 하나, 서식 적용됨).
decide-refused-already-decided = #{ $request_id } 요청은 이미 결정되었습니다: { $outcome }
# $decision: approve 또는 reject (누른 사람이 하려던 것).
decide-refused-timed-out =
    #{ $request_id } 요청은 결정 전에 기한이 만료되어 더 이상 { $decision ->
        [approve] 승인
       *[reject] 반려
    }할 수 없습니다. 보험을 아직 만료해야 하면 새 요청을 접수하십시오.
decide-refused-not-found = 해당 요청이 더 이상 없습니다.
# 같은 리드가 두 번 승인하려 함. $approvals: 지금까지의 승인 수, $required: 필요한 수.
decide-refused-already-approved = #{ $request_id } 요청은 이미 승인하셨습니다(승인 { $required }건 중 { $approvals }건). 같은 리드의 승인은 한 번만 세므로 다음 승인은 다른 리드가 해야 합니다. 변경된 내용은 없습니다.
# 요청자가 취소한 요청을 승인·반려하려 함.
decide-refused-withdrawn =
    #{ $request_id } 요청은 요청자가 취소하여 더 이상 { $decision ->
        [approve] 승인
       *[reject] 반려
    }할 수 없습니다: { $outcome }
decide-error-db-unavailable = 결정이 처리되지 않았습니다: DB가 응답하지 않습니다. 요청은 아직 승인 대기 중입니다. 1분 후 다시 시도해 주십시오.
# 승인자 사용자 그룹을 읽을 수 없음. $code: Slack 오류 코드.
decide-error-group-unreadable = 결정이 처리되지 않았습니다. 승인 권한을 확인할 수 없습니다. Slack에서 권한을 정하는 사용자 그룹의 목록을 거부했습니다(Slack 응답: `{ $code }`). 봇 운영자에게 알림이 갔으니 나중에 다시 시도해 주십시오. 요청은 아직 승인 대기 중입니다.
# 승인자 목록이 너무 오래되었거나 아직 읽지 못함.
decide-error-group-stale = 결정이 처리되지 않았습니다. 승인 권한을 확인하지 못했습니다. 최근 Slack에서 사용자 그룹에 대한 응답이 없었습니다. 몇 분 후 다시 시도해 주십시오. 요청은 아직 승인 대기 중입니다.
decide-error-internal = 시스템 오류로 결정이 처리되지 않았습니다. 요청은 아직 승인 대기 중입니다. 다시 시도해 주시고, 계속 발생하면 백엔드 팀에 알려 주십시오.
reject-open-form-failed = 반려 양식을 열지 못했습니다(Slack 응답: `{ $code }`). 반려 버튼을 다시 눌러 주십시오.

## 요청 취소 버튼: 누른 사람에게만 보이는 답변
withdraw-refused-not-yours = #{ $request_id } 요청은 접수한 사람만 취소할 수 있습니다. 변경된 내용은 없습니다.
withdraw-refused-already-decided = #{ $request_id } 요청은 더 이상 취소할 수 없습니다: { $outcome }
withdraw-refused-timed-out = #{ $request_id } 요청은 결정 전에 기한이 만료되어 취소할 것이 없습니다. 보험은 변경되지 않았습니다.
withdraw-error-db-unavailable = 요청이 취소되지 않았습니다: DB가 응답하지 않습니다. 요청은 아직 승인 대기 중입니다. 1분 후 다시 시도해 주십시오.
withdraw-error-internal = 시스템 오류로 요청이 취소되지 않았습니다. 요청은 아직 승인 대기 중입니다. 다시 시도해 주시고, 계속 발생하면 백엔드 팀에 알려 주십시오.

## 결과 문장: 스레드 답글, 결정 후 메시지, 요청자에게 보내는 DM
# $kept: 보험의 기존 종료 일시가 더 빨라 그대로 두었으면 yes, 아니면 no.
outcome-approved =
    :white_check_mark: { decider }이 { $decided_at }에 승인했습니다. 증권번호 { $policy } 보험이 { $cancelled_at } 기준으로 만료되었습니다.{ $kept ->
        [yes] {" "}기존 종료 일시가 보험사 해지 일시보다 빨라 기존 값을 유지했습니다.
       *[no] {""}
    }
# 승인이 두 건 이상 필요했던 요청의 마지막 승인. $required: 필요했던 승인 수.
outcome-approved-last =
    :white_check_mark: { decider }이 { $decided_at }에 승인했습니다(승인 { $required }건 중 { $required }번째). 증권번호 { $policy } 보험이 { $cancelled_at } 기준으로 만료되었습니다.{ $kept ->
        [yes] {" "}기존 종료 일시가 보험사 해지 일시보다 빨라 기존 값을 유지했습니다.
       *[no] {""}
    }
outcome-approved-already-expired = :information_source: { decider }이 { $decided_at }에 승인했지만, 증권번호 { $policy } 보험은 이미 만료되어 있었습니다(보험사 콜백으로 처리되었을 가능성이 큽니다). 그대로 두었습니다.
outcome-approved-policy-missing = :warning: { decider }이 { $decided_at }에 승인했지만, 증권번호 { $policy } 보험이 더 이상 존재하지 않습니다. 변경된 내용은 없습니다.
# $note: 리드가 쓴 반려 사유(이스케이프됨).
outcome-rejected = :x: { decider }이 { $decided_at }에 반려했습니다. 사유: { $note }. 보험은 변경되지 않았습니다.
outcome-timed-out = :hourglass: { $decided_at }에 기한이 만료되었습니다: 기한 내에 리드가 결정하지 않았습니다. 보험은 변경되지 않았습니다. 아직 만료가 필요하면 새 요청을 접수하십시오.
outcome-withdrawn = :leftwards_arrow_with_hook: 요청자 { decider }이 { $decided_at }에 요청을 취소했습니다. 보험은 변경되지 않았습니다.
outcome-pending = 리드의 결정을 기다리고 있습니다.
outcome-pending-several = 리드의 결정을 기다리고 있습니다(승인 { $required }건 중 { $approvals }건).
# 결정 후 메시지에 다 싣지 못해 자른 반려 사유. 스레드 답글에 전체가 있습니다.
outcome-note-cut = { $note } (전체 사유는 스레드에 있음)

## 결정 후 메시지: 결정이 난 뒤 버튼 없이 바뀐 승인 요청 메시지
decided-header = *보험 만료 요청 #{ $request_id }* — { request-status }
decided-fallback = 보험 만료 요청 #{ $request_id }: { request-status }

## 요청자에게 보내는 DM
# $link: 승인 요청 메시지 링크, $channel: 게시된 채널.
# $required: 필요한 승인 수, $backdated: 보험사 해지 일시가 오래되어 하나 더 필요하면 yes.
notice-filed =
    만료 요청(#{ $request_id }, 증권번호 { $policy }, { $name })을 <#{ $channel }>에 게시했습니다(<{ $link }|요청 메시지 열기>).{ $required ->
        [1] {""}
       *[other] {" "}서로 다른 리드 { $required }명의 승인이 필요합니다{ $backdated ->
            [yes] (보험사 해지 일시가 오래전이기 때문입니다)
           *[no] {""}
        }.
    } 리드가 결정하면 알려 드리겠습니다. 그 전에는 여기에서 요청을 취소할 수 있습니다.
notice-filed-no-link =
    만료 요청(#{ $request_id }, 증권번호 { $policy }, { $name })을 승인 채널에 게시했습니다.{ $required ->
        [1] {""}
       *[other] {" "}서로 다른 리드 { $required }명의 승인이 필요합니다{ $backdated ->
            [yes] (보험사 해지 일시가 오래전이기 때문입니다)
           *[no] {""}
        }.
    } 리드가 결정하면 알려 드리겠습니다. 그 전에는 여기에서 요청을 취소할 수 있습니다.
# 리마인더를 보냈다는 DM.
notice-reminded =
    증권번호 { $policy } 보험의 만료 요청 #{ $request_id }(<{ $link }|요청 메시지>)에 아직 결정이 나지 않아 스레드에서 승인자에게 리마인더를 보냈습니다{ $required ->
        [1] {""}
       *[other] (지금까지 승인 { $required }건 중 { $approvals }건)
    }. { $expires_at }에 기한이 만료됩니다.
notice-reminded-no-link =
    증권번호 { $policy } 보험의 만료 요청 #{ $request_id }에 아직 결정이 나지 않아 스레드에서 승인자에게 리마인더를 보냈습니다{ $required ->
        [1] {""}
       *[other] (지금까지 승인 { $required }건 중 { $approvals }건)
    }. { $expires_at }에 기한이 만료됩니다.
notice-decided = 만료 요청 #{ $request_id } (<{ $link }|요청 메시지>): { $outcome }
notice-decided-no-link = 만료 요청 #{ $request_id }: { $outcome }
# Slack이 요청의 후속 작업을 영구적으로 거부함. $what: post(승인 채널 게시), thread(스레드 답글), update(메시지 갱신). $code: Slack 오류 코드.
notice-delivery-failed = 보험 { $policy }({ $name }) 만료 요청 #{ $request_id }: { $what ->
        [post] 승인 채널에 게시하는 작업이
        [thread] 스레드 답글이
       *[update] 메시지 갱신이
    } 실패했으며 다시 시도하지 않습니다. Slack에서 거부했습니다(Slack 응답: `{ $code }`). 봇 운영자에게 알림이 갔습니다. 요청 자체는 변경되지 않았습니다.

## 탈퇴 회원 보험 다이제스트 (다이제스트 채널에 게시, 한 건 이상의 메시지)
# $date: 다이제스트 날짜, 여러 메시지일 때 $pages 중 $page.
digest-heading = *보험이 남아 있는 탈퇴 회원 — { $date }*
digest-paged-heading = *보험이 남아 있는 탈퇴 회원 — { $date }* — 메시지 { $page }/{ $pages }
digest-summary = 보험이 남아 있는 탈퇴 회원: *{ $riders }명* (유효한 시간제 보험 *{ $policies }건*). 탈퇴 후 개인정보 삭제 전까지는 이 보험이 저절로 끝나지 않으므로 건마다 만료 요청이 필요합니다. 탈퇴가 오래된 순서로 표시합니다.
# 찾은 라이더보다 적게 표시할 때 요약의 다음 줄.
digest-cut-note = :warning: 이번 다이제스트에는 처음 { $listed_riders }명(보험 { $listed_policies }건)만 표시합니다. 나머지 { $other_riders }명은 처리되는 대로 다음 다이제스트에 표시됩니다.
# 이전 게시 시도가 중단되었을 때 요약의 다음 줄.
digest-retaken-note = _이전에 이 다이제스트를 게시하다가 중단되었습니다. 이 메시지가 전체 다이제스트입니다._
# 라이더마다 섹션 하나: 이 줄, 그리고 보험마다 한 줄. $days_ago: 탈퇴 후 지난 날수.
digest-rider-line = *{ $name }* · { $phone } · { $withdrawn_on } 탈퇴 ({ $days_ago ->
        [0] 오늘
       *[other] { $days_ago }일 전
    })
digest-rider-date-unknown-line = *{ $name }* · { $phone } · 탈퇴 (날짜 미상)
# 보험 줄이 한 섹션에 다 들어가지 않는 라이더는 다음 섹션에서 이 줄로 이어집니다.
digest-rider-continued-line = *{ $name }* (계속)
digest-policy-line = { $insurer } { $policy } · { $valid_from }부터
digest-file-one-button = 요청 접수…
digest-file-all-button = 보험 { $policies }건 모두 요청 접수
digest-file-all-confirm =
    .title = 모두 접수하시겠습니까?
    .body = 표시된 보험마다 만료 요청을 한 건씩(보험 { $policies }건) 접수하며, 각 보험은 라이더의 탈퇴 시각에 종료됩니다. 각 요청은 <#{ $channel }>에 게시되어 리드의 승인이 필요하고, 직접 접수한 요청은 본인이 승인할 수 없습니다.
    .confirm = 모두 접수
    .deny = 돌아가기
digest-footer = 보험사 해지 일시를 먼저 확인하려면 라이더별 *요청 접수…* 버튼을 쓰십시오. 승인 대기 중인 요청이 이미 있는 보험은 두 번 접수되지 않습니다.
digest-fallback = 보험이 남아 있는 탈퇴 회원({ $date }): 라이더 { $riders }명, 보험 { $policies }건
digest-paged-fallback = 보험이 남아 있는 탈퇴 회원({ $date }): 라이더 { $riders }명, 보험 { $policies }건 — 메시지 { $page }/{ $pages }
digest-all-clear = :white_check_mark: 탈퇴 회원 보험 다이제스트 { $date }: 이상 없음 — 유효한 시간제 보험이 남아 있는 탈퇴 회원이 없습니다.

## 다이제스트 버튼: 누른 사람에게만 보이는 답변
digest-open-form-failed = 요청 양식을 열지 못했습니다(Slack 응답: `{ $code }`). 다시 눌러 주십시오.
bulk-error-unknown-digest = 아직 이 다이제스트의 목록을 볼 수 없습니다(조회용 DB가 따라잡는 중일 수 있습니다). 접수된 것은 없습니다. 1분 후 다시 눌러 주십시오.
bulk-error-db-unavailable = DB가 응답하지 않아 아무것도 접수되지 않았습니다. 1분 후 다시 눌러 주십시오.
# "모두 요청 접수"에 대한 답변: 건수마다 한 문장 (숫자; 0이면 그 문장을 뺍니다).
bulk-answer =
    새 만료 요청 { $filed }건을 접수했습니다.{ $already_pending ->
        [0] {""}
       *[other] {" "}보험 { $already_pending }건은 이미 결정을 기다리고 있어 다시 접수하지 않았습니다.
    }{ $settled ->
        [0] {""}
       *[other] {" "}보험 { $settled }건은 더 이상 유효하지 않거나 탈퇴 상태가 아니어서 처리할 것이 없습니다.
    }{ $needs_individual ->
        [0] {""}
       *[other] {" "}보험 { $needs_individual }건은 쓸 수 있는 탈퇴 시각이 없어 *요청 접수…* 버튼으로 한 건씩 접수해야 합니다.
    }{ $failed ->
        [0] {""}
       *[other] {" "}보험 { $failed }건은 DB 오류로 접수하지 못했습니다. 다시 누르면 재시도합니다.
    }{ $filed ->
        [0] {""}
       *[other] {" "}각 요청은 <#{ $channel }>에 게시되어 리드의 승인을 기다립니다. 직접 접수한 요청은 다른 리드가 승인해야 합니다.
    }
# 일괄 접수로 만든 요청마다 저장되는 사유 (승인 요청 메시지에 보임).
bulk-reason = 라이더가 탈퇴했지만 보험이 유효한 상태로 남아 있었습니다(탈퇴 회원 보험 다이제스트 { $date }). 표시된 보험 전체에 대해 접수했고, 보험사 해지 일시는 탈퇴 시각으로 정했습니다.

## /expire-insurance history: 본인에게만 보이는 이력 답변
history-ask-whom = 누구의 이력인지 입력해 주십시오: `/expire-insurance history <라이더 ID 또는 전화번호>`
history-unavailable = 지금은 이력을 조회할 수 없습니다(조회용 DB 응답 없음). 1분 후 다시 시도해 주십시오.
history-failed = 이력을 읽는 중 시스템 오류가 발생했습니다. 다시 시도해 주시고, 계속 발생하면 백엔드 팀에 알려 주십시오.
# $query: 입력한 값 (전화번호는 마스킹됨).
history-no-rider = { $query }에 해당하는 라이더가 없습니다(탈퇴 회원 포함).
# $rider_list: history-*-rider 줄을 list-separator로 이은 것.
history-heading = *{ $query } 만료 요청 이력* — 라이더 { $riders }명: { $rider_list }
history-active-rider = { $name } (ID { $rider_id }, { $phone }, 정상 회원)
history-withdrawn-rider = { $name } (ID { $rider_id }, { $phone }, 탈퇴 회원)
history-withdrawn-on-rider = { $name } (ID { $rider_id }, { $phone }, { $withdrawn_on } 탈퇴)
# 라이더 목록이 처음 10명만 보일 때 마지막 항목. $more: 나머지 수.
history-more-riders = 외 { $more }명
history-none-filed = 이 라이더의 보험에는 접수된 만료 요청이 없습니다.
history-showing-latest = 전체 { $total }건 중 최근 { $shown }건을 표시합니다.
# 요청마다 한 항목: 제목, 접수 줄, 결정 줄, 보험 줄 (줄바꿈으로 잇습니다).
history-entry-heading = *#{ $request_id }* · { $insurer } { $policy } · 라이더 { $name } (ID { $rider_id }) · { request-status }
history-entry-filed = 접수 { $requested_at } · 요청자 <@{ $requester }> · 보험사 해지 일시 { $cancelled_at }
history-entry-approved-expired = 승인 { $decided_at } · { decider }: 보험 만료 처리됨
history-entry-approved-already-expired = 승인 { $decided_at } · { decider }: 이미 만료된 보험이라 그대로 둠
history-entry-approved-policy-missing = 승인 { $decided_at } · { decider }: 보험이 더 이상 없어 변경 없음
history-entry-rejected = 반려 { $decided_at } · { decider }: 보험 변경 없음
history-entry-timed-out = 기한 만료 { $decided_at }: 기한 내 리드 결정 없음, 보험 변경 없음
history-entry-withdrawn = 요청 취소 { $decided_at } · 요청자 { decider }: 보험 변경 없음
history-entry-pending = 리드의 결정 대기 중
# 승인이 두 건 이상 필요했거나 승인이 있었던 요청: 받은 승인 (누가, 언제). $given: 승인 항목을 list-separator로 이은 것.
history-entry-approvals = 승인 ({ $required }건 중 { $approvals }건): { $given }
history-entry-approval-item = <@{ $approver }>님 { $approved_at }
history-entry-approvals-none = 없음
history-entry-reminded = 리마인더 발송 { $reminded_at }
# 기록된 보험 상태. 아래의 $before, $after가 이 문구입니다.
history-policy-state = { policy-status } ({ $valid_until }까지)
history-policy-open-state = { policy-status } (종료 일시 없음)
history-entry-change = 보험: { $before } → { $after }
history-entry-unchanged = 보험: { $before } (이 요청으로 바뀌지 않음)
history-entry-not-recorded = 보험: 기록 없음
# $change: 위 세 줄 중 하나 (서식 적용됨).
history-entry-link = { $change } · <{ $link }|요청 메시지>

## 앱 홈 탭 (views.publish)
home-intro = *보험 만료 요청 시작하기*
    아무 채널에서나 `/expire-insurance [라이더 ID 또는 전화번호]` 명령을 입력하십시오. `/expire-insurance help`를 입력하면 명령의 모든 사용법을 볼 수 있습니다.
    ⚡ 바로가기 메뉴에서 *보험 만료* 항목을 골라도 같은 양식이 열립니다. 상담 티켓 메시지의 ⋮ 메뉴에서 *보험 만료* 항목을 고르면 메시지 내용(개인정보는 가림)과 링크가 사유에 채워진 양식이 열립니다.
# $count: 결정을 기다리는 요청 수(전체).
home-pending-header = *내 결정을 기다리는 요청: { $count }건* (오래된 순)
home-request-heading = *보험 만료 요청 #{ $request_id }*
# $count: 최근 30일 동안 접수한 요청 수(전체).
home-own-header = *최근 30일 동안 내가 접수한 요청: { $count }건*
# $link: 승인 요청 메시지(스레드) 링크.
home-own-line = *#{ $request_id }* · { request-status } · 증권번호 { $policy } · 접수 { $requested_at } · <{ $link }|스레드 열기>
home-own-line-unposted = *#{ $request_id }* · { request-status } · 증권번호 { $policy } · 접수 { $requested_at } · 승인 채널에 게시하는 중입니다
# $count: 목록에 다 보이지 않은 요청 수.
home-more = 그 밖에 { $count }건이 더 있습니다. 승인 채널이나 `/expire-insurance history`에서 확인하십시오.
# 승인자의 홈 탭: 마지막으로 게시된 탈퇴 회원 다이제스트. $posted_at: 게시 시각, $riders·$policies: 그 다이제스트의 라이더·보험 수, $link: 첫 메시지 링크.
home-digest-line = *지난 탈퇴 회원 다이제스트* ({ $posted_at }): 라이더 { $riders }명, 유효한 보험 { $policies }건 · <{ $link }|다이제스트 열기>
home-digest-line-unlinked = *지난 탈퇴 회원 다이제스트* ({ $posted_at }): 라이더 { $riders }명, 유효한 보험 { $policies }건
