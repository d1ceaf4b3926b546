/**
 * `retrieve_future`: long-polls a future until it finishes or the hold time passes.
 */
import { HttpError } from "../http-util.js";
import type { Router } from "../router.js";
import { bodyObject, strField } from "../validation.js";
import type { EmulatorState } from "./context.js";

/** Registers the future-retrieval route. */
export function futureRoutes(router: Router, state: EmulatorState): void {
  router.add("POST", "/api/v1/retrieve_future", async ({ body, res }) => {
    const requestId = strField(bodyObject(body), "request_id");
    const found = await state.futures.wait(requestId, state.pollHoldMs, (cancel) =>
      res.once("close", cancel),
    );
    switch (found.state) {
      case "done":
        return { status: 200, body: found.body };
      case "missing":
        throw new HttpError(404, `Future ${requestId} not found`);
      case "expired":
        throw new HttpError(410, `Future ${requestId} expired`);
      case "pending":
        return state.pendingResponse === "408"
          ? { status: 408, body: { queue_state: found.queueState } }
          : {
              status: 200,
              body: { type: "try_again", request_id: requestId, queue_state: found.queueState },
            };
    }
  });
}
