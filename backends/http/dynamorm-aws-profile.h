/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dynamorm-aws-profile.h: the AWS shared config and credentials files. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The settings of one profile, merged from both files (the credentials file
 * wins, as in the AWS CLI). NULL with no error: the profile is in neither
 * file. *files_out names the files, for messages. */
GHashTable *dynamorm_aws_profile_load (const char  *profile,
                                       char       **files_out,
                                       GError     **error);

/* The config file and credentials file paths, honouring AWS_CONFIG_FILE and
 * AWS_SHARED_CREDENTIALS_FILE. */
char *dynamorm_aws_profile_config_path      (void);
char *dynamorm_aws_profile_credentials_path (void);

/* Parses one file's text: section name -> (key -> value). Exposed for
 * tests. */
GHashTable *dynamorm_aws_profile_parse (const char *text);

G_END_DECLS
