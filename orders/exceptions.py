from config.exceptions import ApplicationError, Conflict


class InvalidTransition(Conflict):
    code = "invalid-transition"
    title = "This status change is not allowed"

    def __init__(self, *, order_number: int, from_status: str, to_status: str, reason: str = ""):
        message = f"Order {order_number} cannot go from {from_status} to {to_status}"
        message += f": {reason}" if reason else "."
        super().__init__(
            message,
            extra={"order": order_number, "from_status": from_status, "to_status": to_status},
        )


class OrderLocked(Conflict):
    code = "order-locked"
    title = "The order is being edited by someone else"


class OrderNotEditable(ApplicationError):
    code = "order-not-editable"
    title = "The order cannot be changed in its current status"
    status = 409
