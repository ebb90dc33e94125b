//! Every piece of text on the page, in Korean and English.
//!
//! The table is plain data so that a test can check it without a browser: no key may be empty in
//! either language, and no key may appear twice. This file has no web dependency on purpose; the
//! native test in `tests/i18n.rs` includes it by path.

/// The page's language. Korean first: most readers come from a Korean blog post.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    /// Both languages, in the order the switch shows them.
    pub const ALL: [Lang; 2] = [Lang::Ko, Lang::En];

    /// The BCP 47 tag used in `?lang=` and in `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }

    /// Reads a `?lang=` value; anything but `ko` or `en` (any case) is `None`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "ko" => Some(Lang::Ko),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks a language from a browser language tag such as `ko-KR` or `en-US`: Korean for any
    /// `ko` tag, English for everything else.
    pub fn from_browser_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or("");
        if primary.eq_ignore_ascii_case("ko") {
            Lang::Ko
        } else {
            Lang::En
        }
    }
}

/// Text table: (key, Korean, English).
pub const TABLE: &[(&str, &str, &str)] = &[
    ("app.title", "Consistency Lab", "Consistency Lab"),
    (
        "app.tagline",
        "아웃박스, CDC, 카프카 순서와 멱등성을 직접 깨뜨려 보는 실험실",
        "Break and fix outbox, CDC, Kafka ordering and idempotency, live",
    ),
    ("lang.switch", "언어", "Language"),
    ("lessons.button", "레슨", "Lessons"),
    ("lessons.label", "레슨 고르기", "Choose a lesson"),
    ("lessons.free_play", "← 자유 놀이로 돌아가기", "← Back to free play"),
    ("lessons.free_play_short", "자유 놀이", "Free play"),
    ("lessons.prev", "이전 레슨", "Previous lesson"),
    ("lessons.next", "다음 레슨", "Next lesson"),
    ("lessons.position", "{i}/{n}", "{i}/{n}"),
    ("lessons.group.ordering", "순서와 컨슈머 그룹", "Ordering and consumer groups"),
    ("lessons.group.outbox", "아웃박스와 CDC", "Outbox and CDC"),
    ("lessons.group.duplicates", "중복과 멱등성", "Duplicates and idempotency"),
    ("lessons.group.reads", "복제본과 읽기", "Replicas and reads"),
    ("lessons.group.durability", "내구성과 피크", "Durability and peaks"),
    ("lesson.same-key-same-order.hook", "같은 키, 같은 순서: 라운드로빈이면 배차완료와 픽업준비요청이 뒤바뀐다", "Same key, same order: round robin swaps rider assigned and pickup ready"),
    ("lesson.event-bus.hook", "규칙 변경을 모든 서버에: 그룹 하나를 나눠 쓰면 한 대만 받는다", "A rule change for every server: one shared group reaches only one"),
    ("lesson.outbox-vs-dual-write.hook", "DB엔 취소, 이벤트는 없음: 이중 쓰기는 잃고 아웃박스는 복구 뒤 발행한다", "Cancelled in the DB, never published: dual write loses it, the outbox sends it"),
    ("lesson.one-relay-bottleneck.hook", "릴레이 하나가 밀린다: 아웃박스를 배달 id로 샤딩하면 순서를 지키며 비운다", "One relay falls behind: outbox shards by delivery id drain it, order kept"),
    ("lesson.retries-make-duplicates.hook", "응답을 잃으면 재전송, 커밋 전에 죽으면 재처리: 멱등성이 막는 것", "A lost ack resends, a crash before commit reprocesses: what idempotence stops"),
    ("lesson.where-you-read.hook", "마지막 소스 하나: 비동기 복제본에서 읽으면 오래된 값을 본다", "The last sauce: read an asynchronous replica and see an old value"),
    ("lesson.cap-partition.hook", "네트워크 분할 중에: 오래된 값으로 답할까(AP), 거부할까(CP)", "During a network split: answer stale (AP), or refuse (CP)?"),
    ("lesson.what-acks-buys.hook", "acks=1이면 리더가 죽을 때 확인된 레코드도 사라진다", "With acks=1 a leader crash loses acknowledged records"),
    ("lesson.world-cup-peak.hook", "킥오프 주문 폭주: 로그가 받아 두고, 컨슈머 지연이 늘었다 줄어든다", "Kick-off rush: the log absorbs it, consumer lag grows, then drains"),
    ("lesson.replay-rebuilds.hook", "복제본을 통째로 지워도 오프셋 0부터 재생하면 같은 상태로 돌아온다", "Wipe a replica: replaying from offset 0 rebuilds the same state"),
    ("lang.ko", "한국어", "한국어"),
    ("lang.en", "English", "English"),
    ("topology.label", "파이프라인 구성도", "Pipeline topology"),
    ("topology.placeholder", "시뮬레이션이 곧 여기에 표시됩니다.", "The simulation will appear here soon."),
    ("embed.open_full", "전체 화면으로 열기 ↗", "Open the full page ↗"),
    ("panic.title", "문제가 생겼습니다", "Something went wrong"),
    (
        "panic.body",
        "플레이그라운드에 오류가 발생해 멈췄습니다. 아래 버튼으로 처음 상태에서 다시 시작할 수 있습니다.",
        "The playground hit an error and stopped. The button below starts it again from a clean state.",
    ),
    ("panic.reset", "다시 시작", "Reset"),
    // ---- playground (src/ui/playground.rs and its panels) ----
    ("side.label", "조작 패널", "Controls"),
    ("tabs.label", "조작 종류", "Kinds of control"),
    ("tab.fire", "이벤트 보내기", "Fire events"),
    ("tab.faults", "장애 넣기", "Faults"),
    ("tab.settings", "설정", "Settings"),
    ("lower.label", "배달 보기와 알림", "Delivery view and notices"),
    ("close", "닫기", "Close"),
    ("toast.finished", "{x} 배달은 이미 끝났습니다 (배달완료 또는 취소).", "Delivery {x} is finished (delivered or cancelled)."),
    ("toast.step", "한 단계 ({x})", "Step ({x})"),
    ("toast.step_quiet", "한 단계 ({x}): 메시지가 이동했을 뿐, 어느 노드도 기록할 일을 하지 않았습니다", "Step ({x}): messages moved; no node did anything the history records"),
    ("toast.bad_seed", "시드는 0 이상의 정수여야 합니다: {x}", "The seed must be a whole number ≥ 0, got {x}"),
    ("toast.choose_delivery", "먼저 배달을 고르세요.", "Choose a delivery first."),
    ("toast.not_located", "이 이상 현상의 사례를 기록에서 찾지 못했습니다: {x}", "No instance of this anomaly found in the history yet: {x}"),
    ("toolbar.label", "재생 조작", "Playback"),
    ("tb.play", "▶ 재생", "▶ Play"),
    ("tb.pause", "‖ 일시정지", "‖ Pause"),
    ("tb.step", "한 단계 ›", "Step ›"),
    ("tb.speed", "속도", "Speed"),
    ("tb.seed", "시드", "Seed"),
    ("tb.seed_hint", "같은 시드, 같은 설정, 같은 명령이면 언제나 같은 실행입니다. 바꾸면 처음부터 다시 시작합니다.", "The same seed, settings and commands always give the same run. Changing it restarts the run."),
    ("tb.new_seed", "새 시드", "New seed"),
    ("tb.reset", "↺ 처음부터", "↺ Reset"),
    ("tb.in_flight", "전송 중: 데이터 {n} · 제어 {m}", "in flight: {n} data · {m} control"),
    ("tb.control", "제어 메시지도 보기 (하트비트, 빈 fetch)", "show control traffic (heartbeats, empty fetches)"),
    ("speed.explain", "1× = 실제 시간: 네트워크 한 구간에 5 ms. 기본 0.02×에서는 한 구간이 약 0.25초 걸려 눈으로 따라갈 수 있습니다.", "1× = real time: one network hop takes 5 ms. At the default 0.02× a hop takes about a quarter of a second, slow enough to follow."),
    ("speed.short", "1× = 실제 시간 (한 구간 5 ms)", "1× = real time (hop: 5 ms)"),
    ("help.title", "키보드 단축키", "Keyboard shortcuts"),
    ("help.mouse", "구성도에서 노드를 누르면 중단·재시작·멈춤, 연결선을 누르면 끊기·복구를 할 수 있습니다. Tab 키로도 닿습니다.", "Click a node in the topology to crash, restart or pause it; click a link to cut or heal it. Both are reachable with Tab."),
    ("key.play", "재생 / 일시정지", "Play / pause"),
    ("key.step", "다음 이벤트까지 한 단계", "Step to the next event"),
    ("key.speed", "빠르게 / 느리게", "Faster / slower"),
    ("key.reset", "같은 시드로 처음부터", "Reset (same seed)"),
    ("key.seed", "새 시드로 처음부터", "Reset with a new seed"),
    ("key.fire", "고른 배달의 다음 단계 보내기", "Fire the chosen delivery's next step"),
    ("key.race", "경쟁: 배차완료와 픽업준비요청을 동시에", "Race: rider_assigned and pickup_ready_requested at once"),
    ("key.traffic", "트래픽 켜기 / 끄기", "Traffic on / off"),
    ("key.burst", "폭주 (월드컵 피크)", "Burst (World Cup peak)"),
    ("key.heal", "모든 연결 복구", "Heal all links"),
    ("key.control", "제어 메시지 보이기 / 숨기기", "Show / hide control traffic"),
    ("key.help", "이 도움말", "This help"),
    ("key.close", "메뉴와 도움말 닫기", "Close menus and help"),
    ("status.up", "정상", "up"),
    ("status.crashed", "✕ 중단됨", "✕ CRASHED"),
    ("status.paused", "‖ 멈춤", "‖ PAUSED"),
    ("node.aria", "{name}, 상태: {status}. 눌러서 장애 메뉴 열기", "{name}, {status}. Press to open its fault menu"),
    ("link.aria", "{a}–{b} 연결. 눌러서 끊기", "Link {a}–{b}. Press to cut"),
    ("link.aria_cut", "{a}–{b} 연결이 끊김. 눌러서 복구", "Link {a}–{b} is cut. Press to heal"),
    ("col.app", "배달 서비스 + DB", "service + DB"),
    ("col.relays", "CDC 릴레이", "CDC relays"),
    ("col.deliveries", "deliveries 테이블", "deliveries table"),
    ("app.outbox", "아웃박스 {n}행", "outbox {n} rows"),
    ("app.deliveries", "배달 {d}건", "{d} deliveries"),
    ("app.refused", "⚠ 요청 거절", "⚠ request refused"),
    ("relay.pos", "저장 {s} · 확인 {a}", "saved {s} · acked {a}"),
    ("relay.lag", "지연 {n}건 / {ms} ms", "lag {n} rec / {ms} ms"),
    ("lane.aria", "{p} 복제본, 역할 {role}, 로그 끝 {leo}, 하이 워터마크 {hw}", "{p} replica, {role}, log end {leo}, high watermark {hw}"),
    ("lane.nums", "끝 {leo} HW {hw}", "LEO {leo} HW {hw}"),
    ("db.differ", "≠ {n}행 다름", "≠ {n} rows differ"),
    ("db.same", "= app과 같음", "= same as app"),
    ("db.behind", "… {n}행 따라잡는 중", "… {n} rows catching up"),
    ("client.sub", "복제본 읽기", "reads replicas"),
    ("client.read", "읽기 {d} → v{v}", "read {d} → v{v}"),
    ("client.read_fresh", "최신 값", "fresh"),
    ("client.read_stale", "오래된 값 (최신 v{latest})", "stale (newest v{latest})"),
    ("client.read_refused", "{d} 읽기 거부됨", "{d}: read refused"),
    ("group.title", "{g} · 세대 {gen}", "{g} · gen {gen}"),
    ("group.offset", "P{p} 커밋 {c} · 지연 {lag}", "P{p} committed {c} · lag {lag}"),
    ("dash.title", "대시보드", "dashboard"),
    ("dash.aria", "대시보드: 상태별 배달 수, 추적 중 {n}건", "Dashboard: deliveries per status, {n} tracked"),
    ("server.value", "설정값 {v}", "config {v}"),
    ("part.offline", "없음(오프라인)", "none (offline)"),
    ("part.summary", "{p}: 리더 {leader} · 에포크 {epoch} · ISR {{isr}} · HW {hw}", "{p}: leader {leader} · epoch {epoch} · ISR {{isr}} · HW {hw}"),
    ("part.refused", "⚠ 쓰기 거절 (NotEnoughReplicas)", "⚠ writes refused (NotEnoughReplicas)"),
    ("drop.cut", "끊긴 연결", "cut link"),
    ("drop.random", "유실", "lost"),
    ("drop.crashed", "중단된 노드", "node down"),
    ("legend.label", "범례", "Legend"),
    ("focus.note", "이 단계에 나오는 노드만 보입니다 (나머지 {n}개는 접어 둠).", "Only this step's nodes are drawn ({n} more folded away)."),
    ("partition.note", "네트워크 분할: 편끼리는 통하지만 편 사이의 연결은 모두 끊겼습니다. {sides}", "Network partition: each side talks within itself, every link between the sides is cut. {sides}"),
    ("focus.all", "전체 구성 보기", "Show every node"),
    ("focus.only", "이 단계의 노드만 보기", "Only this step's nodes"),
    ("legend.other", "기타 데이터 (응답, 읽기)", "other data (acks, reads)"),
    ("legend.drop", "유실된 메시지", "lost message"),
    ("legend.dup", "네트워크가 복제한 메시지 (두 번째 사본)", "message duplicated by the network (the extra copy)"),
    ("legend.cut", "끊긴 연결", "cut link"),
    ("legend.crashed", "중단된 노드 (빗금)", "crashed node (hatched)"),
    ("legend.paused", "멈춘 노드 (점선)", "paused node (dotted)"),
    ("legend.roles", "리더 · 팔로워 · ISR 밖", "leader · follower · out of ISR"),
    ("legend.hw", "하이 워터마크 (컨슈머는 여기까지 읽음)", "high watermark (consumers read up to here)"),
    ("legend.behind", "따라잡는 중인 행 (이벤트 전달 중)", "row catching up (events on their way)"),
    ("legend.differs", "app과 다른 행 (더 올 이벤트 없음)", "row differs from app (nothing more on its way)"),
    ("menu.node", "{name} ({status})", "{name} ({status})"),
    ("menu.link", "{a} ↔ {b}", "{a} ↔ {b}"),
    ("act.crash", "지금 중단", "Crash now"),
    ("act.crash_after_commit", "DB 커밋 직후 중단", "Crash right after its DB commit"),
    ("act.crash_after_publish", "발행 직후, 위치 저장 전에 중단", "Crash after publishing, before saving its position"),
    ("act.crash_after_apply", "반영 직후, 오프셋 커밋 전에 중단", "Crash after applying, before committing the offset"),
    ("act.restart", "재시작", "Restart"),
    ("act.pause_short", "0.3초 멈춤 (세션 타임아웃보다 짧게)", "Pause 0.3 s (under the session timeout)"),
    ("act.pause", "2초 멈춤 (GC 멈춤)", "Pause 2 s (a GC stop)"),
    ("act.wipe", "비우기 (오프셋 0부터 다시 만들기)", "Wipe (rebuild from offset 0)"),
    ("act.cut", "연결 끊기 (양방향)", "Cut (both ways)"),
    ("act.cut_oneway", "한 방향만 끊기 ({a} → {b})", "Cut one way ({a} → {b})"),
    ("act.heal", "연결 복구", "Heal"),
    ("fire.title", "배달 이벤트 보내기", "Fire a delivery event"),
    ("fire.delivery", "배달", "Delivery"),
    ("fire.new", "새 배달 ({x})", "new delivery ({x})"),
    ("fire.next", "다음 단계 보내기", "Fire next step"),
    ("fire.race", "경쟁 보내기", "Race"),
    ("fire.race_hint", "새 배달을 만든 뒤 배차완료와 픽업준비요청을 같은 순간에 보냅니다. 키 파티셔닝이면 순서가 지켜지고, 라운드 로빈이면 뒤바뀔 수 있습니다.", "Creates a delivery, then fires rider_assigned and pickup_ready_requested at the same instant. Keyed partitioning keeps their order; round robin may swap them."),
    ("fire.refused_hint", "지금 상태에서는 서비스가 거절합니다 (그래도 보낼 수 있습니다).", "The service will refuse this in the current state (you may still send it)."),
    ("traffic.title", "트래픽", "Traffic"),
    ("traffic.on", "트래픽 켜짐", "Traffic on"),
    ("traffic.off", "트래픽 꺼짐", "Traffic off"),
    ("traffic.on_until", "트래픽 켜짐 ({t}초까지)", "Traffic on (until {t} s)"),
    ("traffic.hint", "누르면 지금 도는 트래픽(시나리오의 기본 트래픽 포함)을 멈추거나, 멈춰 있으면 이 페이지의 트래픽을 켭니다", "Press to stop the traffic now running (the scenario's default traffic too), or, when none runs, to start the page's"),
    ("traffic.rate", "초당 배달", "deliveries/s"),
    ("traffic.burst", "폭주", "Burst"),
    ("traffic.burst_hint", "월드컵 피크: 2초 동안 초당 500건. 로그가 흡수하고 컨슈머 지연이 늘었다 줄어듭니다.", "World Cup peak: 500 deliveries/s for 2 s. The log absorbs it; consumer lag grows, then drains."),
    ("read.title", "클라이언트 읽기", "Client read"),
    ("read.mode", "읽기 방식", "Read mode"),
    ("read.default", "설정대로 (read_mode)", "as configured (read_mode)"),
    ("read.one", "하나 (one)", "one replica"),
    ("read.quorum", "과반 (quorum)", "quorum"),
    ("read.all", "전부 (all)", "all"),
    ("read.pinned", "{db}에서만", "only {db}"),
    ("read.go", "고른 배달 읽기", "Read the chosen delivery"),
    ("faults.click_hint", "노드나 연결선을 구성도에서 직접 눌러도 됩니다: 중단, 재시작, 멈춤, 끊기, 복구.", "You can also click a node or a link in the topology: crash, restart, pause, cut, heal."),
    ("faults.partitions", "한 번에 나누기", "One-click partitions"),
    ("faults.partition", "파티션", "Partition"),
    ("faults.isolate", "리더 고립 ({b})", "Isolate its leader ({b})"),
    ("faults.cut_relays", "릴레이와 브로커 사이 끊기", "Cut the relays from the brokers"),
    ("faults.split", "복제본 나누기 (마지막 DB + 클라이언트 고립)", "Split the replicas (last DB + client cut off)"),
    ("faults.heal", "모두 복구 (끊긴 방향 {n}개)", "Heal all ({n} cut directions)"),
    ("faults.network", "네트워크", "Network"),
    ("net.latency", "지연", "Latency"),
    ("net.jitter", "흔들림", "Jitter"),
    ("net.drop", "유실", "Drop"),
    ("net.duplicate", "중복", "Duplicate"),
    ("set.hint", "바꾸면 지금 시점의 set 명령으로 적용됩니다. 구성을 바꾸는 항목은 처음부터 다시 시작합니다.", "A change applies as a set command at the current time. Keys that change the topology restart the run."),
    ("set.restart", "↺ 바꾸면 다시 시작", "↺ restarts the run"),
    ("set.group.producer", "프로듀서 (서비스와 릴레이)", "Producer (service and relays)"),
    ("set.group.broker", "브로커", "Broker"),
    ("set.group.consumers", "컨슈머", "Consumers"),
    ("set.group.replicas", "복제본", "Replicas"),
    ("set.group.network", "네트워크", "Network"),
    ("check.title", "검사기", "Checker"),
    ("check.converged", "✓ 수렴함", "✓ converged"),
    ("tb.diverged", "✗ 어긋남 ({n}행)", "✗ diverged ({n} rows)"),
    ("check.diverged", "✗ 어긋남", "✗ diverged"),
    ("tb.catching_up", "따라잡는 중 · {n}행 뒤처짐", "catching up · {n} rows behind"),
    ("check.catching_up", "따라잡는 중", "catching up"),
    ("check.behind", "전달 중인 이벤트가 도착하면 같아질 (복제본, 배달) 행 {n}개", "{n} (replica, delivery) rows still waiting for events on their way"),
    ("check.divergent", "app과 다른 (복제본, 배달) 행 {n}개", "{n} (replica, delivery) rows differ from app"),
    ("check.converged_at", "{s}초부터 모든 복제본이 app과 같음", "every replica equals app since {s} s"),
    ("check.since_heal", "마지막 복구 후 {s}초", "{s} s since the last heal"),
    ("check.counts", "커밋 {c} · 발행 {p} · 반영 {a} · 읽기 {r} (거절 {u})", "committed {c} · published {p} · applied {a} · reads {r} ({u} refused)"),
    ("check.clear", "강조 지우기", "Clear highlight"),
    ("an.lost", "유실", "lost"),
    ("an.lost.pending", "전달 중 (아직 미반영)", "on the way (not applied yet)"),
    ("an.lost.pending.what", "app에 커밋되어 복제본으로 가는 중인 (복제본, 이벤트) 쌍. 더 도착할 것이 없는데도 남아 있으면 그때 유실로 셉니다.", "(replica, event) pairs committed at app and still on their way to that replica. Only those still missing once nothing more can arrive count as lost."),
    ("an.acked_lost.pending", "확인됐지만 전달 중", "acknowledged, still on the way"),
    ("an.acked_lost.pending.what", "프로듀서가 확인(ack)을 받은 이벤트로, 아직 복제본에 도착하지 않았습니다. 더 도착할 것이 없는데도 없으면 확인 후 유실로 셉니다.", "Events their producer got an acknowledgement for, not at the replica yet. Only those still missing once nothing more can arrive count as acknowledged but lost."),
    ("an.lost.what", "app에 커밋됐지만 어떤 복제본에 아직 반영되지 않은 (복제본, 이벤트) 쌍. 실행 중에는 전달 중인 것도 포함되고, 끝까지 오지 않으면 유실입니다.", "(replica, event) pairs committed at app and not applied there yet. While running this includes events on their way; those that never arrive are lost."),
    ("an.out_of_order", "순서 뒤바뀜", "out of order"),
    ("an.out_of_order.what", "한 배달의 이벤트가 더 뒤의 이벤트보다 늦게 반영됨.", "A delivery's event applied after a later one of the same delivery."),
    ("an.invalid_transition", "잘못된 상태 전이", "invalid transition"),
    ("an.invalid_transition.what", "상태 기계가 허용하지 않는 반영: 가는 길에 순서가 깨졌다는 뜻.", "An apply the state machine forbids: order broke on the way."),
    ("an.duplicate_applied", "중복 적용", "duplicate applied"),
    ("an.duplicate_applied.what", "같은 이벤트가 한 복제본에 두 번 반영됨.", "The same event applied twice at one replica."),
    ("an.duplicate_suppressed", "중복 억제", "duplicate suppressed"),
    ("an.duplicate_suppressed.what", "반복을 알아보고 건너뜀 (멱등 프로듀서나 멱등 컨슈머): 좋은 일입니다.", "A repeat recognised and skipped (idempotent producer or consumer): the good case."),
    ("an.stale_read", "오래된 값 읽기", "stale read"),
    ("an.stale_read.what", "읽기 시작 전에 쓴 쪽에 확인된 최신 버전보다 오래된 값을 읽음.", "A read returned an older version than one already acknowledged to the writer."),
    ("an.acked_lost", "확인 후 유실", "acked, then lost"),
    ("an.acked_lost.what", "프로듀서에게 확인됐지만 최종 로그에 없는 레코드 (실행이 끝나야 셉니다).", "Acknowledged to its producer but missing from the final log (counted at the end of a run)."),
    ("an.phantom", "유령", "phantom"),
    ("an.phantom.what", "어딘가에 반영됐지만 app에서는 커밋된 적 없는 이벤트.", "Applied somewhere but never committed at app."),
    ("plot.consumer_lag", "컨슈머 지연", "consumer lag"),
    ("plot.relay_lag", "릴레이 지연", "relay lag"),
    ("plot.divergent", "app과 다른 행", "rows differing from app"),
    ("plot.throughput", "처리량 (/100ms)", "throughput (/100 ms)"),
    ("plot.max", "최대 {n} · 최근 {s}초", "max {n} · last {s} s"),
    ("plot.aria", "{name}: 지금 {now}, 최근 {s}초 동안 최대 {max}", "{name}: now {now}, max {max} over the last {s} s"),
    ("notices.title", "알림", "Notices"),
    ("notices.empty", "아직 알림이 없습니다. 장애를 넣어 보세요.", "No notices yet. Try a fault."),
    ("notice.none", "없음", "none"),
    ("notice.refused", "서비스가 {d}의 {k}을(를) 거절 (현재 상태: {from})", "The service refused {k} for {d} (current state: {from})"),
    ("notice.app_down", "서비스가 중단되어 {d}의 {k} 요청 실패", "The service is down: {k} for {d} failed"),
    ("notice.elected", "{p}의 새 리더: {b} (에포크 {e})", "{p} has a new leader: {b} (epoch {e})"),
    ("notice.elected_unclean", "{p}의 비정상 리더 선출: {b} (에포크 {e}) — 커밋된 레코드를 잃을 수 있음", "Unclean election for {p}: {b} (epoch {e}), committed records may be lost"),
    ("notice.isr", "{p}의 ISR이 {{isr}}(으)로 바뀜", "{p}'s ISR is now {{isr}}"),
    ("notice.not_enough", "{p}: acks=all 쓰기 거절 (NotEnoughReplicas)", "{p}: acks=all write refused (NotEnoughReplicas)"),
    ("notice.rebalanced", "그룹 {g} 리밸런싱, 세대 {gen}", "Group {g} rebalanced, generation {gen}"),
    ("notice.truncated", "{b}가 {p} 로그를 {to}까지 잘라냄 ({n}건 버림)", "{b} truncated {p} to offset {to} ({n} records dropped)"),
    ("notice.gave_up", "서비스가 {d}의 {k} 발행을 포기 (이중 쓰기)", "The service gave up publishing {k} for {d} (dual write)"),
    ("notice.set", "설정 변경: {key}", "Setting changed: {key}"),
    ("notice.read_refused", "{d} 읽기 거절: 필요한 복제본에 닿지 못함 (CP 쪽)", "Read of {d} refused: not enough replicas answered (the CP side)"),
    ("lanes.title", "배달 보기", "Delivery view"),
    ("lanes.title_of", "배달 {d}: app에서 커밋된 순서와 복제본마다 반영된 순서", "Delivery {d}: as committed at app and as applied at each replica"),
    ("lanes.none", "배달을 고르면 (이벤트 보내기 탭이나 검사기의 이상 현상을 눌러) 이벤트가 어디서 어떤 순서로 반영됐는지 보입니다.", "Choose a delivery (in Fire events, or click an anomaly in the checker) to see where and in what order its events were applied."),
    ("lanes.latest", "가장 최근 배달 보기", "Show the latest delivery"),
    ("lanes.applied", "반영", "applied"),
    ("lanes.skipped", "건너뜀", "skipped"),
    ("lanes.reordered", "순서 뒤바뀜", "out of order"),
    ("lanes.duplicate", "중복", "duplicate"),
    ("lanes.gap", "건너뛴 순번: {s}", "seqs skipped: {s}"),
    ("lanes.missing", "아직 없음: {s}", "not here yet: {s}"),
    ("lanes.key", "글자 = 이벤트, 숫자 = 배달 안의 순번. ↯ 순서 뒤바뀜, ×2 중복, ↷ 건너뜀(중복 억제), … 빈 순번.", "Letter = event, number = its seq within the delivery. ↯ out of order, ×2 duplicate, ↷ skipped (suppressed), … a gap."),
    ("kind.created", "배달 생성", "created"),
    ("kind.rider_assigned", "배차완료", "rider assigned"),
    ("kind.pickup_ready_requested", "픽업준비요청", "pickup ready requested"),
    ("kind.picked_up", "픽업완료", "picked up"),
    ("kind.delivered", "배달완료", "delivered"),
    ("kind.cancelled", "취소", "cancelled"),
    ("kshort.created", "생성", "created"),
    ("kshort.rider_assigned", "배차", "assigned"),
    ("kshort.pickup_ready_requested", "픽업준비", "ready"),
    ("kshort.picked_up", "픽업", "picked up"),
    ("kshort.delivered", "배달완료", "delivered"),
    ("kshort.cancelled", "취소", "cancelled"),
    // Long runs done in slices (ui/run.rs): progress, cancel, the page's traffic cap.
    ("run.progress", "실행 중: {t} / {u}", "Running: {t} of {u}"),
    ("run.cancel", "중단", "Stop"),
    ("run.cancel_hint", "여기서 멈춥니다. 시계는 지금 위치에 머뭅니다.", "Stops here; the clock stays where it is."),
    ("run.traffic_capped", "배달 {x}건: 페이지 메모리 한도라 트래픽을 멈춥니다.", "{x} deliveries: traffic stops (page memory limit)."),
];

/// The text for `key` in `lang`. An unknown key is a programming error: debug builds panic (which
/// shows the error panel), release builds show the key itself rather than nothing.
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    find(TABLE, lang, key).unwrap_or_else(|| {
        debug_assert!(false, "unknown i18n key {key:?}");
        key
    })
}

/// The text for `key` in `lang` in a (key, Korean, English) table, if the key is there.
pub fn find(table: &'static [(&str, &str, &str)], lang: Lang, key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _, _)| *k == key).map(|(_, ko, en)| match lang {
        Lang::Ko => *ko,
        Lang::En => *en,
    })
}

/// A panel's own label table (kept beside the panel): an unknown key shows `?`, and
/// [`check_table`] in the panel's test makes sure none is missing or empty.
pub fn lookup(table: &'static [(&str, &str, &str)], lang: Lang, key: &str) -> &'static str {
    find(table, lang, key).unwrap_or("?")
}

/// Asserts that a (key, Korean, English) table has text in both languages for every key, no key
/// twice, and every key in `used`. For the tests of the panels' own tables.
pub fn check_table(table: &[(&str, &str, &str)], used: &[&str]) {
    for (k, ko, en) in table {
        assert!(!k.trim().is_empty(), "an empty key");
        assert!(!ko.trim().is_empty() && !en.trim().is_empty(), "{k} lacks a language");
        assert_eq!(table.iter().filter(|(x, _, _)| x == k).count(), 1, "{k} twice");
    }
    for k in used {
        assert!(table.iter().any(|(x, _, _)| x == k), "{k} is used but not in the table");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key has text in both languages: an empty string would render as a silent gap.
    #[test]
    fn no_key_is_empty_in_either_language() {
        for (key, ko, en) in TABLE {
            assert!(!key.trim().is_empty(), "an i18n key is empty");
            assert!(!ko.trim().is_empty(), "key {key:?} has no Korean text");
            assert!(!en.trim().is_empty(), "key {key:?} has no English text");
        }
    }

    /// A duplicated key would make the second row dead text.
    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<&str> = TABLE.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "duplicate i18n key");
    }

    /// `t` returns the column of the asked language.
    #[test]
    fn t_picks_the_language() {
        assert_eq!(t(Lang::Ko, "panic.reset"), "다시 시작");
        assert_eq!(t(Lang::En, "panic.reset"), "Reset");
    }

    /// `?lang=` and the browser's language tag are read leniently but never guessed wrong.
    #[test]
    fn language_codes_parse() {
        assert_eq!(Lang::from_code("KO"), Some(Lang::Ko));
        assert_eq!(Lang::from_code("en"), Some(Lang::En));
        assert_eq!(Lang::from_code("fr"), None);
        assert_eq!(Lang::from_browser_tag("ko-KR"), Lang::Ko);
        assert_eq!(Lang::from_browser_tag("en-US"), Lang::En);
        assert_eq!(Lang::from_browser_tag("kok"), Lang::En);
        for lang in Lang::ALL {
            assert_eq!(Lang::from_code(lang.code()), Some(lang));
        }
    }
}
