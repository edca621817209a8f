"""Celery over RabbitMQ, set up for looks: an order is acknowledged only when its look is
recorded, each worker thread holds one order at a time, and an order whose worker dies goes
back to the queue for another worker."""

from __future__ import annotations

import contextlib

from celery import Celery
from kombu import Exchange, Queue
from kombu.exceptions import OperationalError

from patrol.county.messages import LookDone, LookStarted, OnDemandAsked, to_message

LOOK_TASK = "patrol.look"
LOOKS_QUEUE = "patrol.looks"
# Word back to the planner: looks started and done, on-demand requests from the API.
PLANNER_QUEUE = "patrol.planner"

planner_exchange = Exchange(PLANNER_QUEUE, type="direct", durable=True)
planner_queue = Queue(PLANNER_QUEUE, planner_exchange, routing_key=PLANNER_QUEUE, durable=True)
looks_queue = Queue(LOOKS_QUEUE, Exchange(LOOKS_QUEUE, type="direct", durable=True), routing_key=LOOKS_QUEUE)


def celery_app(broker_url: str) -> Celery:
    app = Celery("patrol", broker=broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        task_queues=[looks_queue],
        task_default_queue=LOOKS_QUEUE,
        task_routes={LOOK_TASK: {"queue": LOOKS_QUEUE}},
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a broker that is down is waited for, never given up on
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
    )
    return app


def tell_planner(app: Celery, word: LookStarted | LookDone | OnDemandAsked) -> None:
    """Persistent, and retried while the broker is away: a finished look's word is not lost."""
    with app.producer_pool.acquire(block=True) as producer:
        producer.publish(
            to_message(word),
            exchange=planner_exchange,
            routing_key=PLANNER_QUEUE,
            declare=[planner_queue],
            serializer="json",
            delivery_mode=2,
            retry=True,
            retry_policy={"max_retries": None, "interval_start": 1, "interval_step": 1, "interval_max": 5},
        )


def patrol_queues_in_use(app: Celery) -> list[str]:
    """The patrol's queues on this broker (its virtual host) that hold messages or have consumers:
    a run that must have the queues to itself (an evaluation) says so and does not start.
    Raises kombu's OperationalError when the broker cannot be reached."""
    busy = []
    with app.connection_for_write() as connection:
        try:
            channel = connection.channel()
        # Refused as well as unreachable (a wrong password, no such virtual host); these errors
        # name no URL, so no password.
        except (*connection.connection_errors, *connection.channel_errors) as exc:
            raise OperationalError(f"{type(exc).__name__}: {exc}") from None
        for queue in (looks_queue, planner_queue):
            try:
                declared = queue.bind(channel).queue_declare(passive=True)
            except connection.channel_errors:  # not declared yet: nobody has used it
                channel = connection.channel()  # the broker closed the one that asked
                continue
            if declared.message_count or declared.consumer_count:
                busy.append(
                    f"{queue.name} ({declared.message_count} messages, {declared.consumer_count} consumers)"
                )
        with contextlib.suppress(Exception):
            channel.close()
    return busy


def purge_patrol_queues(app: Celery) -> None:
    """Orders and words a finished run left behind (an evaluation's, which had the queues to itself)."""
    with app.connection_for_write() as connection:
        for queue in (looks_queue, planner_queue):
            bound = queue.bind(connection.default_channel)
            bound.declare()
            bound.purge()
