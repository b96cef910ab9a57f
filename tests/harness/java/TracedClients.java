// Trace-enabled clients for the message-trace tests, built from the official Java client: a push
// consumer whose listener fails every message once (retried after delay level 1) and then succeeds,
// a producer that sends COUNT keyed messages, and a transactional producer that commits one
// message (its end-transaction record). Prints "ready" once the consumer runs, "sent ID KEY" per
// message, "sent-tx ID KEY" for the transactional one, "consumed ID RECONSUME_TIMES" per success,
// and "done" after every message was consumed and the trace dispatchers were flushed by shutdown.
//
// usage: java -cp 'lib/*:.' TracedClients NAMESRV TOPIC COUNT
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageExt;

public class TracedClients {
    static void say(String line) {
        synchronized (System.out) {
            System.out.println(line);
            System.out.flush();
        }
    }

    public static void main(String[] args) throws Exception {
        String ns = args[0], topic = args[1];
        int count = Integer.parseInt(args[2]);
        String run = Long.toString(System.nanoTime(), 36);
        CountDownLatch consumed = new CountDownLatch(count + 1);

        DefaultMQPushConsumer c = new DefaultMQPushConsumer("trace-cg-" + topic, true, null);
        c.setNamesrvAddr(ns);
        c.setInstanceName("trace-consumer-" + run);
        c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
        c.setHeartbeatBrokerInterval(1000);
        c.subscribe(topic, "*");
        c.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
            for (MessageExt m : msgs) {
                if (m.getReconsumeTimes() == 0 && !"tx".equals(m.getTags())) {
                    ctx.setDelayLevelWhenNextConsume(1);
                    return ConsumeConcurrentlyStatus.RECONSUME_LATER;
                }
            }
            for (MessageExt m : msgs) {
                say("consumed " + m.getMsgId() + " " + m.getReconsumeTimes());
                consumed.countDown();
            }
            return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
        });
        c.start();
        say("ready");

        DefaultMQProducer p = new DefaultMQProducer("trace-pg-" + topic, true, null);
        p.setNamesrvAddr(ns);
        p.setInstanceName("trace-producer-" + run);
        p.start();
        for (int i = 0; i < count; i++) {
            String key = "trace-" + run + "-" + i;
            Message m = new Message(topic, "TagA", key, ("traced " + i).getBytes(StandardCharsets.UTF_8));
            SendResult r = p.send(m);
            say("sent " + r.getMsgId() + " " + key);
        }

        TransactionMQProducer tx = new TransactionMQProducer(null, "trace-txpg-" + topic, null, true, null);
        tx.setNamesrvAddr(ns);
        tx.setInstanceName("trace-tx-producer-" + run);
        tx.setTransactionListener(new TransactionListener() {
            public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }

            public LocalTransactionState checkLocalTransaction(MessageExt msg) {
                return LocalTransactionState.COMMIT_MESSAGE;
            }
        });
        tx.start();
        String txKey = "trace-" + run + "-tx";
        SendResult r = tx.sendMessageInTransaction(
            new Message(topic, "tx", txKey, "transactional".getBytes(StandardCharsets.UTF_8)), null);
        say("sent-tx " + r.getMsgId() + " " + txKey);

        boolean all = consumed.await(120, TimeUnit.SECONDS);
        // Shutting down flushes each client's trace dispatcher.
        p.shutdown();
        tx.shutdown();
        c.shutdown();
        say(all ? "done" : "timeout");
        System.exit(all ? 0 : 1);
    }
}
