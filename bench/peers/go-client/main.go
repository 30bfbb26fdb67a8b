// SPDX-License-Identifier: LGPL-2.1-or-later
// go-client: the Go SDK v2 peer of bench/bench-client, for
// bench/compare/10-client.sh. Puts N items and gets them back, ROUNDS
// times alternating the order, and prints the median client CPU per call
// (getrusage: user + system of this process) in the same format:
//
//	go-client ENDPOINT [OPS] [ROUNDS]
//	put_cpu_us 285.0
//	get_cpu_us 280.1
//
// The item is bench-client's: id (S, the key) and name, email (S), age (N),
// active (BOOL), score (N).
package main

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

const table = "bench_client"

func cpuUs() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Sec+ru.Stime.Sec)*1e6 + float64(ru.Utime.Usec+ru.Stime.Usec)
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go-client ENDPOINT [OPS] [ROUNDS]")
		os.Exit(2)
	}
	n, rounds := 2000, 5
	if len(os.Args) > 2 {
		n, _ = strconv.Atoi(os.Args[2])
	}
	if len(os.Args) > 3 {
		rounds, _ = strconv.Atoi(os.Args[3])
	}
	ctx := context.Background()
	client := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(os.Args[1]),
		Credentials:  credentials.NewStaticCredentialsProvider("dynamorm", "dynamorm", ""),
	})
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeS}},
	})
	if err != nil {
		var inUse *types.ResourceInUseException
		if !asInUse(err, &inUse) {
			fmt.Fprintln(os.Stderr, "create table:", err)
			os.Exit(1)
		}
	}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("user-%d", i)
	}
	put := func() float64 {
		t0 := cpuUs()
		for _, id := range ids {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{
				TableName: aws.String(table),
				Item: map[string]types.AttributeValue{
					"id":     &types.AttributeValueMemberS{Value: id},
					"name":   &types.AttributeValueMemberS{Value: "Ada Lovelace"},
					"email":  &types.AttributeValueMemberS{Value: "ada@example.com"},
					"age":    &types.AttributeValueMemberN{Value: "36"},
					"active": &types.AttributeValueMemberBOOL{Value: true},
					"score":  &types.AttributeValueMemberN{Value: "98.5"},
				},
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, "put:", err)
				os.Exit(1)
			}
		}
		return (cpuUs() - t0) / float64(n)
	}
	get := func() float64 {
		t0 := cpuUs()
		for _, id := range ids {
			out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
				TableName: aws.String(table),
				Key:       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
			})
			if err != nil || out.Item == nil {
				fmt.Fprintln(os.Stderr, "get:", err)
				os.Exit(1)
			}
		}
		return (cpuUs() - t0) / float64(n)
	}
	put()
	get()
	var puts, gets []float64
	for r := 0; r < rounds; r++ {
		if r%2 == 0 {
			puts = append(puts, put())
			gets = append(gets, get())
		} else {
			gets = append(gets, get())
			puts = append(puts, put())
		}
	}
	fmt.Printf("put_cpu_us %.1f\nget_cpu_us %.1f\n", median(puts), median(gets))
}
