/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <math.h>

#include "dynamorm-error.h"
#include "dynamorm-accessors-private.h"
#include "dynamorm-properties-private.h"
#include "dynamorm-retry-policy.h"

/**
 * DynamormRetryPolicy:
 *
 * How often, and how long apart, a failed request is tried again.
 *
 * The delay before retry number *n* grows exponentially,
 * `initial-delay × backoff-factor^(n-1)`, up to `max-delay`, and jitter
 * then takes a random part of it away so that many clients throttled at
 * once do not come back at once. The defaults follow the AWS SDKs'
 * DynamoDB settings: 10 attempts, 50 ms doubling up to 20 s, full jitter.
 *
 * A policy is immutable once created, so one policy can be shared by
 * several backends and threads. The HTTP backends use it for throttling,
 * service failures, CRC mismatches and transient network errors; batch
 * operations use it for unprocessed items.
 */
struct _DynamormRetryPolicy
{
  GObject parent_instance;

  guint max_attempts;
  guint initial_delay;
  guint max_delay;
  double backoff_factor;
  double jitter;
};

G_DEFINE_FINAL_TYPE (DynamormRetryPolicy, dynamorm_retry_policy, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MAX_ATTEMPTS,
  PROP_INITIAL_DELAY,
  PROP_MAX_DELAY,
  PROP_BACKOFF_FACTOR,
  PROP_JITTER,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
static const gsize property_offsets[N_PROPS] = {
  [PROP_MAX_ATTEMPTS] = G_STRUCT_OFFSET (DynamormRetryPolicy, max_attempts),
  [PROP_INITIAL_DELAY] = G_STRUCT_OFFSET (DynamormRetryPolicy, initial_delay),
  [PROP_MAX_DELAY] = G_STRUCT_OFFSET (DynamormRetryPolicy, max_delay),
  [PROP_BACKOFF_FACTOR] = G_STRUCT_OFFSET (DynamormRetryPolicy, backoff_factor),
  [PROP_JITTER] = G_STRUCT_OFFSET (DynamormRetryPolicy, jitter),
};

static void
dynamorm_retry_policy_class_init (DynamormRetryPolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;


  /**
   * DynamormRetryPolicy:max-attempts:
   *
   * How many times a request is sent at most, the first attempt included.
   * 1 means never retry.
   */
  properties[PROP_MAX_ATTEMPTS] =
    g_param_spec_uint ("max-attempts", NULL, NULL, 1, G_MAXUINT, 10, flags);

  /**
   * DynamormRetryPolicy:initial-delay:
   *
   * The delay before the first retry, in milliseconds, before jitter.
   */
  properties[PROP_INITIAL_DELAY] =
    g_param_spec_uint ("initial-delay", NULL, NULL, 0, G_MAXUINT, 50, flags);

  /**
   * DynamormRetryPolicy:max-delay:
   *
   * The longest delay between two attempts, in milliseconds, before jitter.
   */
  properties[PROP_MAX_DELAY] =
    g_param_spec_uint ("max-delay", NULL, NULL, 0, G_MAXUINT, 20000, flags);

  /**
   * DynamormRetryPolicy:backoff-factor:
   *
   * What each delay is multiplied by for the next one.
   */
  properties[PROP_BACKOFF_FACTOR] =
    g_param_spec_double ("backoff-factor", NULL, NULL, 1.0, 100.0, 2.0, flags);

  /**
   * DynamormRetryPolicy:jitter:
   *
   * The random part of each delay, from 0 (none: delays are exact) to 1
   * ("full jitter": a delay is anywhere between 0 and its nominal value).
   */
  properties[PROP_JITTER] =
    g_param_spec_double ("jitter", NULL, NULL, 0.0, 1.0, 1.0, flags);

  _dynamorm_install_field_properties (object_class, N_PROPS, properties, property_offsets);
}

static void
dynamorm_retry_policy_init (DynamormRetryPolicy *self)
{
}

/**
 * dynamorm_retry_policy_new:
 *
 * Creates a policy with the default settings: 10 attempts, 50 ms doubling
 * up to 20 s, full jitter.
 *
 * Returns: (transfer full): a new policy
 */
DynamormRetryPolicy *
dynamorm_retry_policy_new (void)
{
  return g_object_new (DYNAMORM_TYPE_RETRY_POLICY, NULL);
}

/**
 * dynamorm_retry_policy_new_full:
 * @max_attempts: how many times a request is sent at most, at least 1
 * @initial_delay_ms: the delay before the first retry, in milliseconds
 * @max_delay_ms: the longest delay, in milliseconds
 * @backoff_factor: what each delay is multiplied by, at least 1.0
 * @jitter: the random part of each delay, from 0.0 to 1.0
 *
 * Creates a policy.
 *
 * Returns: (transfer full): a new policy
 */
DynamormRetryPolicy *
dynamorm_retry_policy_new_full (guint  max_attempts,
                                guint  initial_delay_ms,
                                guint  max_delay_ms,
                                double backoff_factor,
                                double jitter)
{
  g_return_val_if_fail (max_attempts >= 1, NULL);
  g_return_val_if_fail (backoff_factor >= 1.0, NULL);
  g_return_val_if_fail (jitter >= 0.0 && jitter <= 1.0, NULL);

  return g_object_new (DYNAMORM_TYPE_RETRY_POLICY,
                       "max-attempts", max_attempts,
                       "initial-delay", initial_delay_ms,
                       "max-delay", max_delay_ms,
                       "backoff-factor", backoff_factor,
                       "jitter", jitter,
                       NULL);
}

/**
 * dynamorm_retry_policy_get_max_attempts:
 * @self: a #DynamormRetryPolicy
 *
 * Gets [property@Dynamorm.RetryPolicy:max-attempts].
 *
 * Returns: the most attempts, the first included
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_retry_policy_get_max_attempts,
                        DynamormRetryPolicy, DYNAMORM_IS_RETRY_POLICY, max_attempts, 1)

/**
 * dynamorm_retry_policy_get_initial_delay:
 * @self: a #DynamormRetryPolicy
 *
 * Gets [property@Dynamorm.RetryPolicy:initial-delay].
 *
 * Returns: the first delay, in milliseconds
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_retry_policy_get_initial_delay,
                        DynamormRetryPolicy, DYNAMORM_IS_RETRY_POLICY, initial_delay, 0)

/**
 * dynamorm_retry_policy_get_max_delay:
 * @self: a #DynamormRetryPolicy
 *
 * Gets [property@Dynamorm.RetryPolicy:max-delay].
 *
 * Returns: the longest delay, in milliseconds
 */
DYNAMORM_DEFINE_GETTER (guint, dynamorm_retry_policy_get_max_delay,
                        DynamormRetryPolicy, DYNAMORM_IS_RETRY_POLICY, max_delay, 0)

/**
 * dynamorm_retry_policy_get_backoff_factor:
 * @self: a #DynamormRetryPolicy
 *
 * Gets [property@Dynamorm.RetryPolicy:backoff-factor].
 *
 * Returns: the backoff factor
 */
DYNAMORM_DEFINE_GETTER (double, dynamorm_retry_policy_get_backoff_factor,
                        DynamormRetryPolicy, DYNAMORM_IS_RETRY_POLICY, backoff_factor, 1.0)

/**
 * dynamorm_retry_policy_get_jitter:
 * @self: a #DynamormRetryPolicy
 *
 * Gets [property@Dynamorm.RetryPolicy:jitter].
 *
 * Returns: the jitter, from 0.0 to 1.0
 */
DYNAMORM_DEFINE_GETTER (double, dynamorm_retry_policy_get_jitter,
                        DynamormRetryPolicy, DYNAMORM_IS_RETRY_POLICY, jitter, 0.0)

/**
 * dynamorm_retry_policy_get_delay:
 * @self: a #DynamormRetryPolicy
 * @attempt: the number of the attempt that just failed, counting from 1
 *
 * Computes how long to wait before the next attempt: the nominal delay
 * `min (max-delay, initial-delay × backoff-factor^(attempt-1))`, less a
 * random part of up to `jitter` of it. Without jitter the result is exact,
 * which is what tests want. This function is thread-safe.
 *
 * Returns: the delay in milliseconds; 0 for @attempt 0
 */
guint
dynamorm_retry_policy_get_delay (DynamormRetryPolicy *self,
                                 guint                attempt)
{
  double nominal;

  g_return_val_if_fail (DYNAMORM_IS_RETRY_POLICY (self), 0);

  if (attempt == 0)
    return 0;

  /* pow() grows past max-delay quickly; clamp before it can overflow. */
  nominal = self->initial_delay * pow (self->backoff_factor, MIN (attempt - 1, 1000u));
  if (!isfinite (nominal) || nominal > self->max_delay)
    nominal = self->max_delay;

  if (self->jitter > 0.0)
    nominal -= nominal * self->jitter * g_random_double ();

  return (guint) lround (nominal);
}

/**
 * dynamorm_retry_policy_should_retry:
 * @self: a #DynamormRetryPolicy
 * @attempt: the number of the attempt that just failed, counting from 1
 * @error: how it failed
 *
 * Whether a request that failed with @error on attempt number @attempt
 * should be sent again: the error must be retryable (see
 * [func@Dynamorm.Error.is_retryable]; throttling, service and network
 * failures are, validation errors and failed conditions never are) and
 * attempts must remain.
 *
 * Returns: %TRUE to retry after [method@Dynamorm.RetryPolicy.get_delay]
 */
gboolean
dynamorm_retry_policy_should_retry (DynamormRetryPolicy *self,
                                    guint                attempt,
                                    const GError        *error)
{
  g_return_val_if_fail (DYNAMORM_IS_RETRY_POLICY (self), FALSE);
  g_return_val_if_fail (error != NULL, FALSE);

  return attempt < self->max_attempts && dynamorm_error_is_retryable (error);
}
